"""The schema comes only from migrations: they must match the models exactly."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from shortener.extensions import db


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_migrations_downgrade_and_upgrade_again(app):
    with app.app_context():
        downgrade(revision="base")
        upgrade()
        assert {"users", "links", "clicks", "daily_clicks"} <= set(db.inspect(db.engine).get_table_names())


def test_upgrading_an_existing_database_keeps_every_row(app):
    """SQLite rebuilds a table to alter it; with foreign keys on, dropping the old
    links table would cascade into every click and rollup of the links."""
    with app.app_context():
        downgrade(revision="0001")
        with db.engine.begin() as conn:
            for statement in SEED_AT_0001:
                conn.execute(text(statement))
        upgrade()
        with db.engine.connect() as conn:
            rows = {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                    for table in ("users", "links", "clicks", "daily_clicks")}
    assert rows == {"users": 1, "links": 1, "clicks": 1, "daily_clicks": 1}


SEED_AT_0001 = (
    "INSERT INTO users (id, username, email, password_hash, session_version, created_at) "
    "VALUES (1, 'alice', 'alice@example.com', 'x', 1, '2026-01-01 00:00:00')",
    "INSERT INTO links (id, owner_id, slug, target_url, is_active, click_count, created_at, updated_at) "
    "VALUES (1, 1, 'go', 'https://example.com/', true, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "INSERT INTO clicks (id, link_id, clicked_at, user_agent) "
    "VALUES ('0123456789abcdef0123456789abcdef', 1, '2026-01-02 00:00:00', 'Firefox')",
    "INSERT INTO daily_clicks (link_id, day, clicks) VALUES (1, '2026-01-02', 1)",
)


def test_slug_migration_reports_links_that_differ_only_by_case_and_changes_nothing(app):
    with app.app_context():
        downgrade(revision="0003")
        db.session.execute(text(
            "INSERT INTO users (id, username, email, password_hash, session_version, created_at, "
            "is_admin) VALUES (1, 'alice', 'alice@example.com', 'x', 1, '2026-01-01', false)"))
        for link_id, slug in [(1, "case"), (2, "CASE"), (3, "other")]:
            db.session.execute(text(
                "INSERT INTO links (id, owner_id, slug, target_url, is_active, click_count, "
                "bot_count, created_at, updated_at) VALUES "
                f"({link_id}, 1, '{slug}', 'https://example.com/', true, 0, 0, "
                "'2026-01-01', '2026-01-01')"))
        db.session.commit()
        migrations = app.extensions["migrate"].migrate.get_config()
        with pytest.raises(Exception, match=r"(?s)/alice/case \(link id 1\).*/alice/CASE \(link id 2\)"):
            command.upgrade(migrations, "head")  # flask_migrate.upgrade would only exit(1)
        db.session.rollback()
        assert "slug_key" not in {c["name"] for c in db.inspect(db.engine).get_columns("links")}
        db.session.execute(text("DELETE FROM links WHERE id = 2"))
        db.session.commit()
        upgrade()  # keeps every row: SQLite's table copies must not cascade
        keys = db.session.execute(text("SELECT slug, slug_key FROM links ORDER BY id")).all()
        assert [tuple(row) for row in keys] == [("case", "case"), ("other", "other")]


def test_the_autoincrement_migration_keeps_every_row_and_the_highest_id(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("only SQLite's tables are rebuilt; PostgreSQL's sequences: tests/test_models.py")
        downgrade(revision="0009")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO users (id, username, email, password_hash, created_at, is_admin) "
                "VALUES (1, 'alice', 'alice@example.com', 'x', '2026-01-01', false)"))
            for link_id in (1, 7):
                conn.execute(text(
                    "INSERT INTO links (id, owner_id, slug, slug_key, target_url, is_active, click_count, "
                    "bot_count, created_at, updated_at, redirect_code, forward_query) VALUES "
                    f"({link_id}, 1, 's{link_id}', 's{link_id}', 'https://example.com/', true, 1, 0, "
                    "'2026-01-01', '2026-01-01', 302, false)"))
            conn.execute(text("INSERT INTO clicks (id, link_id, clicked_at) "
                              "VALUES ('0123456789abcdef0123456789abcdef', 7, '2026-01-02')"))
        upgrade()
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT id FROM links ORDER BY id")).scalars().all() == [1, 7]
            assert conn.execute(text("SELECT count(*) FROM clicks")).scalar() == 1
            new_ids = []
            for slug in ("new", "newer"):
                new_ids.append(conn.execute(text(
                    "INSERT INTO links (owner_id, slug, slug_key, target_url, is_active, click_count, "
                    "bot_count, created_at, updated_at, redirect_code, forward_query) VALUES "
                    f"(1, '{slug}', '{slug}', 'https://example.com/', true, 0, 0, '2026-01-01', "
                    "'2026-01-01', 302, false) RETURNING id")).scalar())
                conn.execute(text(f"DELETE FROM links WHERE id = {new_ids[-1]}"))
    assert new_ids == [8, 9]
