"""Lighthouse 12 (mobile) on the landing page, the dashboard and a link page of a live local app
(README "Lighthouse"): ``make lighthouse`` or ``python -m tests.support.lighthouse [--output DIR]``."""

import argparse
import http.cookiejar
import json
import logging
import os
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from flask_migrate import upgrade

from shortener import create_app
from shortener.accounts.users import create_user
from shortener.links.service import create_link
from tests.conftest import RedisServer
from tests.helpers import csrf_token, serve
from tests.support.harness import base_config

CATEGORIES = ("accessibility", "best-practices", "seo")
USERNAME, PASSWORD = "lighthouse", "a long lighthouse passphrase"
RESULTS = Path(__file__).parents[2] / "bench" / "results"  # beside the bench's runs


def seed(app) -> int:
    """The schema, a user and a link; the link's id."""
    with app.app_context():
        upgrade()
        user = create_user(USERNAME, f"{USERNAME}@example.com", PASSWORD)
        return create_link(user.id, "https://example.com/a/long/page", title="Example page",
                           slug="launch").id


def session_cookie(base_url: str) -> str:
    """Log in through the form (CSRF token and all); the Cookie header of that login."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    token = csrf_token(opener.open(f"{base_url}/auth/login").read().decode())
    form = urllib.parse.urlencode({"csrf_token": token, "login": USERNAME, "password": PASSWORD}).encode()
    dashboard = opener.open(f"{base_url}/auth/login", data=form).read().decode()
    if "Log out" not in dashboard:
        raise RuntimeError("the login for the dashboard and link page did not work")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def lighthouse(url: str, cookie: str | None, out: Path) -> dict:
    command = ["npx", "--yes", "lighthouse@12", url, "--form-factor=mobile", "--quiet",
               f"--only-categories={','.join(CATEGORIES)}", "--output=json", f"--output-path={out}",
               "--chrome-flags=--headless=new --no-sandbox"]
    if cookie:
        command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    subprocess.run(command, check=True, env=env)
    return json.loads(out.read_text())


def summary(report: dict) -> dict:
    scores = {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}
    failed = sorted(
        f"{audit['id']}: {audit['title']}{_where(audit)}" for audit in report["audits"].values()
        if audit.get("score") is not None and audit["score"] < 1
        and audit.get("scoreDisplayMode") in ("binary", "numeric"))
    return {"url": report["finalDisplayedUrl"], "scores": scores, "failed": failed}


def _where(audit: dict) -> str:
    """What the audit points at (a console message, a URL, an element), a few of them."""
    items = (audit.get("details") or {}).get("items") or []
    found = [" ".join(filter(None, (item.get("description"), (item.get("sourceLocation") or {}).get("url"))))
             or item.get("url") or (item.get("node") or {}).get("snippet") for item in items[:3]]
    return f" ({'; '.join(str(what) for what in found if what)})" if any(found) else ""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(RESULTS), help="where the JSON summary goes")
    output = Path(parser.parse_args(argv).output)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as workdir:
        redis = RedisServer(workdir)
        redis.start()
        try:
            config = base_config(f"sqlite:///{workdir}/lighthouse.db", workdir)
            config.update(APP_ENV="development", TESTING=False, WTF_CSRF_ENABLED=True, BASE_URL=None,
                          REDIS_URL=redis.url, LOG_LEVEL="WARNING")
            app = create_app(config)
            link_id = seed(app)
            base_url, stop = serve(app)
            cookie = session_cookie(base_url)
            pages = {"landing": (f"{base_url}/", None), "dashboard": (f"{base_url}/", cookie),
                     "link page": (f"{base_url}/links/{link_id}", cookie)}
            results = {name: summary(lighthouse(url, page_cookie, Path(workdir, f"{index}.json")))
                       for index, (name, (url, page_cookie)) in enumerate(pages.items())}
            stop()
        finally:
            redis.stop()
    for name, result in results.items():
        print(f"{name:10} " + "  ".join(f"{kind} {score}" for kind, score in result["scores"].items()))
        print("".join(f"           - {failed}\n" for failed in result["failed"]), end="")
    output.mkdir(parents=True, exist_ok=True)
    path = output / f"lighthouse-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
