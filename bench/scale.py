"""Part 4: the detail page and the dashboard with a link of 1,000,000 clicks,
against the same pages with a link of 1,000 clicks.

Two users get the same number of links; one link of each gets its clicks,
spread over SPREAD_DAYS days up to now, with ``daily_clicks`` and
``click_count`` consistent with the rows. Pages are rendered by an
in-process test client, logged in through POST /auth/login.
"""

import time
from datetime import timedelta

from flask import Flask
from sqlalchemy import text

from shortener.accounts.users import create_user
from shortener.extensions import db
from shortener.models import Link
from shortener.timeutil import utcnow

from .context import PASSWORD, Plan, Run
from .loadgen import percentile
from .services import Database

SPREAD_DAYS = 60
WARM_RENDERS = 2

# Bulk seeding is raw SQL on purpose: a million ORM objects would take minutes.
SQLITE_CLICKS = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
INSERT INTO clicks (id, link_id, clicked_at, referrer, user_agent, ip_address)
SELECT lower(hex(randomblob(16))), :link_id,
       strftime('%Y-%m-%d %H:%M:%S', :start, '+' || ((i * :span) / :count) || ' seconds')
         || '.000000',
       CASE WHEN i % 4 = 0 THEN NULL ELSE 'https://ref' || (i % 50) || '.example/' END,
       'Mozilla/5.0 (bench ' || (i % 20) || ')',
       '198.51.' || (i % 256) || '.0'
FROM n
"""
POSTGRESQL_CLICKS = """
INSERT INTO clicks (id, link_id, clicked_at, referrer, user_agent, ip_address)
SELECT gen_random_uuid(), :link_id,
       CAST(:start AS timestamp) + make_interval(secs => (i::bigint * :span) / :count),
       CASE WHEN i % 4 = 0 THEN NULL ELSE 'https://ref' || (i % 50) || '.example/' END,
       'Mozilla/5.0 (bench ' || (i % 20) || ')',
       '198.51.' || (i % 256) || '.0'
FROM generate_series(1, :count) AS i
"""
DAY = {"sqlite": "substr(clicked_at, 1, 10)", "postgresql": "CAST(clicked_at AS date)"}
DAILY_CLICKS = """
INSERT INTO daily_clicks (link_id, day, clicks)
SELECT link_id, {day}, count(*) FROM clicks WHERE link_id = :link_id GROUP BY link_id, {day}
"""
CLICK_COUNT = """
UPDATE links SET click_count = (SELECT count(*) FROM clicks WHERE clicks.link_id = links.id)
WHERE id = :link_id
"""
PAGES = ("detail", "dashboard")


def run_part(run: Run) -> list[dict]:
    return [row for database in run.databases for row in measure(run, database)]


def measure(run: Run, database: Database) -> list[dict]:
    plan, app = run.plan, run.app(database)
    run.empty(database)
    sizes = {"small": plan.scale_small, "big": plan.scale_big}
    seeded = {}
    for size, clicks in sizes.items():
        print(f"scale: {database.kind}: seeding a link with {clicks:,} clicks", flush=True)
        started = time.monotonic()
        seeded[size] = seed_user(app, database, f"scale{size}", clicks, plan.scale_links_per_user)
        seeded[size]["seed_seconds"] = round(time.monotonic() - started, 2)
    consistent = run.consistent(database, expected=sum(sizes.values()))
    rows = []
    for page in PAGES:
        timings = time_pages(app, seeded, page, plan)
        row = {"database": database.kind, "page": page, "clicks_small": sizes["small"],
               "clicks_big": sizes["big"], "small": timings["small"], "big": timings["big"],
               "seed_seconds": seeded["big"]["seed_seconds"], "consistent": consistent}
        skipped = timings["small"].get("skipped") or timings["big"].get("skipped")
        if skipped:
            row["skipped"] = skipped
        else:
            row["ratio"] = round(timings["big"]["median_ms"] / timings["small"]["median_ms"], 3)
        rows.append(row)
    run.empty(database)  # the redirect fixtures come back on demand
    return rows


def seed_user(app: Flask, database: Database, username: str, clicks: int, links: int) -> dict:
    """A user with ``links`` links, the first of which has ``clicks`` clicks."""
    with app.app_context():
        user = create_user(username, f"{username}@example.com", PASSWORD)
        created = [Link(owner_id=user.id, slug=f"s{index}", title=f"Link {index}",
                        target_url=f"https://example.com/{username}/{index}")
                   for index in range(links)]
        db.session.add_all(created)
        db.session.commit()
        hot = created[0].id
        start = utcnow() - timedelta(days=SPREAD_DAYS)
        params = {"link_id": hot, "count": clicks, "span": SPREAD_DAYS * 86400,
                  "start": start.strftime("%Y-%m-%d %H:%M:%S")}
        seed = SQLITE_CLICKS if database.kind == "sqlite" else POSTGRESQL_CLICKS
        db.session.execute(text(seed), params)
        db.session.execute(text(DAILY_CLICKS.format(day=DAY[database.kind])), {"link_id": hot})
        db.session.execute(text(CLICK_COUNT), {"link_id": hot})
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return {"username": username, "link_id": hot}


def time_pages(app: Flask, seeded: dict, page: str, plan: Plan) -> dict:
    """Median render time of ``page`` per seeded user, renders interleaved so that a
    machine busy for a moment slows both alike; or why it could not be timed."""
    clients, paths = {}, {}
    for size, user in seeded.items():
        clients[size] = app.test_client()
        login = clients[size].post("/auth/login", data={"login": user["username"],
                                                        "password": PASSWORD})
        if login.status_code != 302:
            return dict.fromkeys(seeded, {"skipped": f"POST /auth/login answered "
                                                     f"{login.status_code}, not a redirect"})
        paths[size] = f"/links/{user['link_id']}" if page == "detail" else "/"
    durations = {size: [] for size in seeded}
    deadline = time.monotonic() + plan.scale_seconds_per_page
    for attempt in range(WARM_RENDERS + plan.scale_renders):
        for size, client in clients.items():
            started = time.perf_counter()
            response = client.get(paths[size])
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                return dict.fromkeys(seeded, {"skipped": f"GET {paths[size]} answered "
                                                         f"{response.status_code}"})
            if attempt >= WARM_RENDERS:
                durations[size].append(elapsed)
        if time.monotonic() > deadline and attempt >= WARM_RENDERS + 2:
            break
    return {size: {"path": paths[size], "renders": len(values),
                   "median_ms": round(percentile(values, 50) * 1000, 2),
                   "min_ms": round(min(values) * 1000, 2)}
            for size, values in durations.items()}

