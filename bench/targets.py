"""The issue's targets, checked against a run's results; a miss says by how much."""

from dataclasses import asdict, dataclass

from .lag import target_seconds

REDIRECT_RATIOS = {"buffer": 0.7, "job": 0.4}
INGEST_OVER_REDIRECT = 20.0
SCALE_RATIO = 1.5


@dataclass
class Target:
    name: str
    database: str
    value: float | None
    limit: float
    at_least: bool  # True: value >= limit passes; False: value <= limit passes
    unit: str = ""
    lower_bound: bool = False  # the value is only known to be at least this

    @property
    def passed(self) -> bool | None:
        if self.value is None:
            return None
        return self.value >= self.limit if self.at_least else self.value <= self.limit

    def verdict(self) -> str:
        if self.passed is None:
            return "not measured"
        sign = ">=" if self.at_least else "<="
        shown = f"{'>' if self.lower_bound else ''}{self.value:g}{self.unit}"
        text = f"{shown} (target {sign} {self.limit:g}{self.unit})"
        if self.passed:
            return f"pass: {text}"
        if self.at_least:
            short = 1 - self.value / self.limit
            return f"MISS: {text}, {short:.0%} short ({self.value / self.limit:.2f} of target)"
        over = self.value - self.limit
        return (f"MISS: {text}, {over:g}{self.unit} over "
                f"({self.value / self.limit:.2f}x the limit)")

    def as_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed, "verdict": self.verdict()}


def check(results: dict, flush_interval: int) -> list[Target]:
    redirect = {(row["database"], row["mode"]): row for row in results.get("redirect", [])}
    targets = []
    for (database, mode), row in redirect.items():
        if mode in REDIRECT_RATIOS:
            targets.append(Target(f"redirect {mode} / bare", database, row.get("ratio_to_bare"),
                                  REDIRECT_RATIOS[mode], True, "x"))
    for row in results.get("ingest", []):
        if row["mode"] == "buffer":
            rate = redirect.get((row["database"], "buffer"), {}).get("requests_per_second")
            ratio = round(row["clicks_per_second"] / rate, 1) \
                if rate and row["clicks_per_second"] else None
            targets.append(Target("buffer ingestion / buffer redirect rate", row["database"],
                                  ratio, INGEST_OVER_REDIRECT, True, "x"))
    for row in results.get("lag", []):
        targets.append(Target(f"lag p99, {row['mode']} mode", row["database"], row["lag_p99_s"],
                              target_seconds(row["mode"], flush_interval), False, " s",
                              row["lower_bound"]))
    for row in results.get("scale", []):
        targets.append(Target(f"{row['page']} at {row['clicks_big']:,} / {row['clicks_small']:,}"
                              " clicks", row["database"], row.get("ratio"), SCALE_RATIO, False,
                              "x"))
    return targets
