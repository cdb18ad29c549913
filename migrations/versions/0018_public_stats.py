"""links.public_stats: the owner's opt-in to a public stats page

Revision ID: 0018
Revises: 0015

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN, never a batch rebuild: SQLite's copy of the table would lose its
    # AUTOINCREMENT (0010), and deleted links' ids would be handed out again.
    op.add_column('links', sa.Column('public_stats', sa.Boolean(), server_default=sa.false(),
                                     nullable=False))


def downgrade():
    with op.batch_alter_table('links', schema=None,
                              table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('public_stats')
