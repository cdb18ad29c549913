"""tags and link_tags: the labels owners put on their links, unique per owner in any case

Revision ID: 0015
Revises: 0011

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'tags',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('name_key', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('owner_id', 'name_key', name='uq_tags_owner_name_key'),
    )
    op.create_table(
        'link_tags',
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('tag_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['link_id'], ['links.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('link_id', 'tag_id'),
    )
    with op.batch_alter_table('link_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_tags_tag_id'), ['tag_id'], unique=False)


def downgrade():
    with op.batch_alter_table('link_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_tags_tag_id'))
    op.drop_table('link_tags')
    op.drop_table('tags')
