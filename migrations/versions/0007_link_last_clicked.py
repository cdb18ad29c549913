"""links.last_clicked_at for the dashboard's "recently clicked" order

Revision ID: 0007
Revises: 0006

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_clicked_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_links_owner_last_clicked', ['owner_id', 'last_clicked_at'],
                              unique=False)
    # Links clicked before the column existed: one pass along ix_clicks_link_clicked.
    op.execute("UPDATE links SET last_clicked_at = "
               "(SELECT max(clicks.clicked_at) FROM clicks WHERE clicks.link_id = links.id "
               "AND (clicks.is_bot IS NULL OR NOT clicks.is_bot))")


def downgrade():
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.drop_index('ix_links_owner_last_clicked')
        batch_op.drop_column('last_clicked_at')
