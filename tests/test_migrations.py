"""The schema comes only from migrations: they must match the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

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
