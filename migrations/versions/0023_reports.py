"""links.quarantined_at and the reports table (visitors' reports of links)

Revision ID: 0023
Revises: 0022

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN, never a batch rebuild: SQLite's copy would lose links' AUTOINCREMENT (0010).
    op.add_column('links', sa.Column('quarantined_at', sa.DateTime(), nullable=True))
    op.create_table(
        'reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('category', sa.String(length=16), nullable=False),
        sa.Column('details', sa.String(length=500), nullable=False),
        sa.Column('network', sa.String(length=64), nullable=False),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.Column('decision', sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(['link_id'], ['links.id'], name=op.f('fk_reports_link_id_links'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'],
                                name=op.f('fk_reports_resolved_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reports')),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_reports_link_open', 'reports', ['link_id', 'resolved_at'], unique=False)


def downgrade():
    op.drop_index('ix_reports_link_open', table_name='reports')
    op.drop_table('reports')
    with op.batch_alter_table('links', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_column('quarantined_at')
