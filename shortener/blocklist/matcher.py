"""Whether a target URL is blocked: set lookups per label of its host, not a scan of entries."""

from collections import defaultdict
from collections.abc import Iterable
from urllib.parse import urlsplit

# Verdicts remembered per matcher: a hot link's target is parsed once, not on every click.
VERDICTS_MAX = 10_000


class Matcher:
    """Built once from the patterns of ``entries.parse_entry``; read by every request."""

    __slots__ = ("domains", "prefixes", "_verdicts")

    def __init__(self, patterns: Iterable[str] = ()):
        domains, prefixes = set(), defaultdict(set)
        for pattern in patterns:
            host, slash, rest = pattern.partition("/")
            if slash:
                prefixes[host.strip("[]")].add("/" + rest)
            else:
                domains.add(pattern)
        self.domains = frozenset(domains)
        self.prefixes = {host: tuple(sorted(paths)) for host, paths in prefixes.items()}
        self._verdicts: dict[str, bool] = {}

    def __len__(self) -> int:
        return len(self.domains) + sum(map(len, self.prefixes.values()))

    def blocks(self, url: str) -> bool:
        """Whether ``url`` (a stored, normalized target) is on a blocked domain or under a
        blocked prefix. One dict lookup per label of the host, one for its prefixes."""
        if not (self.domains or self.prefixes):
            return False
        verdict = self._verdicts.get(url)
        if verdict is None:
            if len(self._verdicts) >= VERDICTS_MAX:
                self._verdicts.clear()  # crude but bounded, as the link cache
            verdict = self._verdicts[url] = self._blocks(url)
        return verdict

    def _blocks(self, url: str) -> bool:
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            return False  # not a stored target: nothing a link could redirect to
        if not host:
            return False
        return self._domain_blocked(host) or self._prefix_blocked(host, parts.path, parts.query)

    def _domain_blocked(self, host: str) -> bool:
        domains = self.domains
        suffix = host
        while suffix not in domains:
            dot = suffix.find(".")
            if dot < 0:
                return False
            suffix = suffix[dot + 1:]
        return True

    def _prefix_blocked(self, host: str, path: str, query: str) -> bool:
        paths = self.prefixes.get(host)
        if paths is None:
            return False
        return f"{path or '/'}{'?' + query if query else ''}".startswith(paths)
