"""blocklist_entries and blocklist_version: the target blocklist (issue 22)

Revision ID: 0020
Revises: 0019

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'blocklist_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('pattern', sa.String(length=2048), nullable=False),
        sa.Column('source', sa.String(length=8), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("source IN ('admin', 'file')", name=op.f('ck_blocklist_entries_source_known')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source', 'pattern', name=op.f('uq_blocklist_entries_source_pattern')),
        sqlite_autoincrement=True,
    )
    version = op.create_table(
        'blocklist_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(version, [{'id': 1, 'version': 0}])


def downgrade():
    op.drop_table('blocklist_version')
    op.drop_table('blocklist_entries')
