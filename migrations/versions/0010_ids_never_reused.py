"""ids never reused on SQLite: links, imports, api_tokens and user_sessions get AUTOINCREMENT

Revision ID: 0010
Revises: 0009

Their ids are in URLs (/links/<id>, /imports/<id>, the token and session pages) and API answers.
SQLite without AUTOINCREMENT hands out max(id) + 1, so deleting the newest row gives its id to
the next one. SQLite cannot add AUTOINCREMENT to a table: each is rebuilt (every row kept,
migrations/env.py keeps foreign keys off meanwhile, so nothing cascades), and sqlite_sequence
starts at the current max id. An id deleted before this migration above that max cannot be known
and may be used once more. PostgreSQL's sequences never go back: nothing to do there.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TABLES = ('links', 'imports', 'api_tokens', 'user_sessions')


def upgrade():
    _rebuild(autoincrement=True)


def downgrade():
    _rebuild(autoincrement=False)


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate='always',
                                  table_kwargs={'sqlite_autoincrement': autoincrement}):
            pass
