"""range_breakdown and range_starts: the link page's top values per range, kept ready

Revision ID: 0009
Revises: 0008

The tables start empty: the periodic roll (jobs.clicks.roll_breakdown_ranges) fills each range
from daily_breakdown within a minute of the scheduler's start, and the link page sums the daily
rows until then. Filling here would hold the release for as long as that takes.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'range_breakdown',
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('range_name', sa.String(length=8), nullable=False),
        sa.Column('dimension', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=253), nullable=False),
        sa.Column('clicks', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['link_id'], ['links.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('link_id', 'range_name', 'dimension', 'value'),
    )
    op.create_index('ix_range_breakdown_top', 'range_breakdown',
                    ['link_id', 'range_name', 'dimension', sa.text('clicks DESC'), 'value'])
    op.create_table(
        'range_starts',
        sa.Column('range_name', sa.String(length=8), nullable=False),
        sa.Column('first_day', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('range_name'),
    )


def downgrade():
    op.drop_table('range_starts')
    op.drop_index('ix_range_breakdown_top', table_name='range_breakdown')
    op.drop_table('range_breakdown')
