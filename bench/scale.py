"""Part 4 (bench/README.md, `scale`): the link page for every range, the dashboard and the CSV
export's first bytes, a link of 1,000,000 clicks against one of 1,000, rendered in process."""

import contextlib
import time
from datetime import timedelta

from flask import Flask
from sqlalchemy import text

from shortener.accounts.users import create_user
from shortener.clicks import ranges
from shortener.clicks.rollups import BOT_DIMENSION, HUMAN_DIMENSIONS
from shortener.clicks.stats import RANGES
from shortener.extensions import db
from shortener.links.models import Link
from shortener.timeutil import utcnow

from .context import PASSWORD, Database, Plan, Run
from .loadgen import percentile

SPREAD_DAYS, HOURLY_DAYS, WARM_RENDERS = 365, 90, 2

# Bulk seeding is SQL on purpose: rows are built by the database in one statement, where a
# million ORM objects (or even executemany) would take minutes. ``i`` numbers the clicks.
ENRICHED_COLUMNS = """
  CASE WHEN i % 4 = 0 THEN NULL ELSE 'https://ref' || (i % 2000) || '.example/p' END,
  'Mozilla/5.0 (bench ' || (i % 50000) || ')', '198.51.' || (i % 256) || '.0', i % 10 = 0,
  CASE WHEN i % 20 = 0 THEN 'Googlebot' WHEN i % 10 = 0 THEN 'Slackbot' END,
  CASE i % 5 WHEN 0 THEN 'Chrome' WHEN 1 THEN 'Firefox' WHEN 2 THEN 'Safari' WHEN 3 THEN 'Edge'
             ELSE 'Mobile Safari' END,
  CASE (i / 5) % 4 WHEN 0 THEN 'Windows' WHEN 1 THEN 'Mac OS X' WHEN 2 THEN 'iOS' ELSE 'Android' END,
  CASE WHEN i % 10 = 0 THEN 'bot' WHEN i % 3 = 0 THEN 'mobile' WHEN i % 3 = 1 THEN 'desktop'
       ELSE 'tablet' END,
  CASE WHEN i % 4 = 0 THEN 'direct' ELSE 'ref' || (i % 2000) || '.example' END,
  CASE i % 6 WHEN 0 THEN 'US' WHEN 1 THEN 'DE' WHEN 2 THEN 'FR' WHEN 3 THEN 'IN' WHEN 4 THEN 'BR'
             ELSE 'unknown' END,
  CASE WHEN i % 10 = 0 THEN NULL ELSE 'v' || (i % 997) END
"""
INSERT_CLICKS = ("INSERT INTO clicks (id, link_id, clicked_at, referrer, user_agent, ip_address, "
                 "is_bot, bot_name, browser, os, device, referrer_host, country, visitor_key) ")
DIALECT = {
    "sqlite": {
        "clicks": INSERT_CLICKS + """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
            SELECT lower(hex(randomblob(16))), :link_id,
                   strftime('%Y-%m-%d %H:%M:%S', :start, '+' || ((i * :span) / :count) || ' seconds')
                     || '.000000', {columns} FROM n""",
        "day": "substr(clicked_at, 1, 10)", "hour": "substr(clicked_at, 1, 13) || ':00:00.000000'",
        "since": ":since"},
    "postgresql": {
        "clicks": INSERT_CLICKS + """
            SELECT gen_random_uuid(), :link_id,
                   CAST(:start AS timestamp) + make_interval(secs => (i::bigint * :span) / :count),
                   {columns} FROM generate_series(1, :count) AS i""",
        "day": "CAST(clicked_at AS date)", "hour": "date_trunc('hour', clicked_at)",
        "since": "CAST(:since AS timestamp)"},
}
HUMANS = "CASE WHEN is_bot THEN 0 ELSE 1 END"
ROLLUPS = [
    f"""INSERT INTO daily_clicks (link_id, day, humans, bots, visitors)
        SELECT link_id, {{day}}, sum({HUMANS}), count(*) - sum({HUMANS}),
               count(DISTINCT CASE WHEN NOT is_bot THEN visitor_key END)
        FROM clicks WHERE link_id = :link_id GROUP BY link_id, {{day}}""",
    f"""INSERT INTO hourly_clicks (link_id, hour, humans, bots)
        SELECT link_id, {{hour}}, sum({HUMANS}), count(*) - sum({HUMANS}) FROM clicks
        WHERE link_id = :link_id AND clicked_at >= {{since}} GROUP BY link_id, {{hour}}""",
    *(f"""INSERT INTO daily_breakdown (link_id, day, dimension, value, clicks)
          SELECT link_id, {{day}}, '{dimension}', coalesce({column}, 'unknown'), count(*)
          FROM clicks WHERE link_id = :link_id AND {'' if dimension == BOT_DIMENSION else 'NOT '}is_bot
          GROUP BY link_id, {{day}}, coalesce({column}, 'unknown')"""
      for dimension, column in [*HUMAN_DIMENSIONS.items(), (BOT_DIMENSION, "bot_name")]),
    """UPDATE links SET
         click_count = (SELECT count(*) FROM clicks WHERE link_id = links.id AND NOT is_bot),
         bot_count = (SELECT count(*) FROM clicks WHERE link_id = links.id AND is_bot),
         last_clicked_at = (SELECT max(clicked_at) FROM clicks WHERE link_id = links.id)
       WHERE id = :link_id""",
]
CONSISTENT = """SELECT (SELECT count(*) FROM clicks), (SELECT sum(humans + bots) FROM daily_clicks),
                       (SELECT sum(click_count + bot_count) FROM links)"""
PAGES = {**{f"link page {name}": "/links/{link_id}?range=" + name for name in RANGES},
         "dashboard": "/", "CSV first bytes": "/links/{link_id}/clicks.csv"}


def run_part(run: Run, results: dict) -> list[dict]:
    return [row for database in run.databases for row in measure(run, database)]


def measure(run: Run, database: Database) -> list[dict]:
    plan, app = run.plan, run.app(database)
    run.empty(database)
    seeded = {}
    for size, clicks in (("small", plan.scale_small), ("big", plan.scale_big)):
        print(f"scale: {database.kind}: seeding a link with {clicks:,} clicks", flush=True)
        seeded[size] = seed_user(app, database, f"scale{size}", clicks, plan.scale_links_per_user)
    with app.app_context():
        # The seeding wrote the daily rows directly: the periodic roll fills the ranges from them.
        ranges.roll(utcnow().date())
        consistent = len(set(db.session.execute(text(CONSISTENT)).one())) == 1
    rows = []
    for page, path in PAGES.items():
        timings = time_pages(seeded, path, plan)
        rows.append({"database": database.kind, "page": page, "clicks_small": plan.scale_small,
                     "clicks_big": plan.scale_big, **timings, "consistent": consistent,
                     "seed_seconds": seeded["big"]["seed_seconds"]})
        if "skipped" not in timings:
            rows[-1]["ratio"] = round(timings["big"]["median_ms"] / timings["small"]["median_ms"], 3)
    run.empty(database)  # the redirect fixtures come back on demand
    return rows


def seed_user(app: Flask, database: Database, username: str, clicks: int, links: int) -> dict:
    """A user with ``links`` links, the first of which has ``clicks`` clicks and its rollups; a
    test client logged in as that user through POST /auth/login."""
    started = time.monotonic()
    with app.app_context():
        user = create_user(username, f"{username}@example.com", PASSWORD)
        created = [Link(owner_id=user.id, slug=f"s{index}", title=f"Link {index}",
                        target_url=f"https://example.com/{username}/{index}")
                   for index in range(links)]
        db.session.add_all(created)
        db.session.commit()
        hot, sql, now = created[0].id, DIALECT[database.kind], utcnow()
        params = {"link_id": hot, "count": clicks, "span": SPREAD_DAYS * 86400,
                  "start": (now - timedelta(days=SPREAD_DAYS)).strftime("%Y-%m-%d %H:%M:%S"),
                  "since": (now - timedelta(days=HOURLY_DAYS)).strftime("%Y-%m-%d %H:00:00")}
        db.session.execute(text(sql["clicks"].format(columns=ENRICHED_COLUMNS)), params)
        for statement in [*ROLLUPS, "ANALYZE"]:
            db.session.execute(text(statement.format(**sql)), params)
        db.session.commit()
    client = app.test_client()
    login = client.post("/auth/login", data={"login": username, "password": PASSWORD})
    if login.status_code != 302:
        raise RuntimeError(f"POST /auth/login answered {login.status_code}, not a redirect")
    return {"client": client, "link_id": hot, "seed_seconds": round(time.monotonic() - started, 2)}


def time_pages(seeded: dict, path: str, plan: Plan) -> dict:
    """Median time of ``path`` per seeded user (to its first rows for a CSV), renders interleaved
    so that a machine busy for a moment slows both alike; or why it could not be timed."""
    paths = {size: path.format(link_id=user["link_id"]) for size, user in seeded.items()}
    durations = {size: [] for size in seeded}
    deadline = time.monotonic() + plan.scale_seconds_per_page
    for attempt in range(WARM_RENDERS + plan.scale_renders):
        for size, user in seeded.items():
            started = time.perf_counter()
            # A page is one chunk; a CSV export's header line, then its first rows.
            response = user["client"].get(paths[size], buffered=False)
            with contextlib.closing(response):
                chunks = iter(response.response)
                next(chunks, None), next(chunks, None)
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                return {"skipped": f"GET {paths[size]} answered {response.status_code}"}
            if attempt >= WARM_RENDERS:
                durations[size].append(elapsed)
        if time.monotonic() > deadline and attempt >= WARM_RENDERS + 2:
            break
    return {size: {"path": paths[size], "renders": len(values),
                   "median_ms": round(percentile(values, 50) * 1000, 2),
                   "min_ms": round(min(values) * 1000, 2)} for size, values in durations.items()}
