"""daily_clicks.clicks dropped: it was always humans + bots, which the table has

Revision ID: 0019
Revises: 0018

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

COUNTERS = ('humans', 'bots', 'visitors')


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite's DROP COLUMN refuses a column that a table CHECK names
        # (ck_daily_clicks_clicks_not_negative), so the table is copied without it.
        _copy_daily_clicks(with_total=False)
    else:
        # PostgreSQL drops the column's check constraint with it.
        op.drop_column('daily_clicks', 'clicks')


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _copy_daily_clicks(with_total=True)
        return
    op.add_column('daily_clicks', sa.Column('clicks', sa.BigInteger(), server_default='0',
                                            nullable=False))
    op.execute("UPDATE daily_clicks SET clicks = humans + bots")
    op.alter_column('daily_clicks', 'clicks', server_default=None)
    op.create_check_constraint(op.f('ck_daily_clicks_clicks_not_negative'), 'daily_clicks',
                               'clicks >= 0')


def _copy_daily_clicks(with_total: bool) -> None:
    """Rebuild daily_clicks with or without its total, every row kept. A plain copy, not a
    batch: the table has no AUTOINCREMENT to lose, nothing references it, and migrations/env.py
    keeps foreign keys off meanwhile, so dropping the old table cascades nowhere."""
    total = [sa.Column('clicks', sa.BigInteger(), nullable=False),
             sa.CheckConstraint('clicks >= 0', name=op.f('ck_daily_clicks_clicks_not_negative'))]
    op.create_table(
        'daily_clicks_copy',
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        *(total if with_total else []),
        *(sa.Column(name, sa.BigInteger(), server_default='0', nullable=False) for name in COUNTERS),
        sa.ForeignKeyConstraint(['link_id'], ['links.id'], name=op.f('fk_daily_clicks_link_id_links'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('link_id', 'day', name=op.f('pk_daily_clicks')),
    )
    columns = ', '.join(('link_id', 'day', *COUNTERS))
    op.execute(f"INSERT INTO daily_clicks_copy ({columns}{', clicks' if with_total else ''}) "
               f"SELECT {columns}{', humans + bots' if with_total else ''} FROM daily_clicks")
    op.drop_table('daily_clicks')
    op.rename_table('daily_clicks_copy', 'daily_clicks')
