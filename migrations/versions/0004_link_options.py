"""link options (start, click limit, password, redirect type, query forwarding); click source; imports

Revision ID: 0004
Revises: 0003

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('starts_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('click_limit', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('password_hash', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('redirect_code', sa.Integer(), server_default='302', nullable=False))
        batch_op.add_column(sa.Column('forward_query', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint(op.f('ck_links_click_limit_positive'), 'click_limit IS NULL OR click_limit > 0')
        batch_op.create_check_constraint(op.f('ck_links_redirect_code_known'), 'redirect_code IN (301, 302, 307, 308)')
    with op.batch_alter_table('clicks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), nullable=True))
    op.create_table('imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('csv_text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('processed_rows', sa.Integer(), nullable=False),
    sa.Column('created_count', sa.Integer(), nullable=False),
    sa.Column('skipped_count', sa.Integer(), nullable=False),
    sa.Column('rejected_count', sa.Integer(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_imports_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imports'))
    )
    with op.batch_alter_table('imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_imports_owner_id'), ['owner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_imports_owner_id'))
    op.drop_table('imports')
    with op.batch_alter_table('clicks', schema=None) as batch_op:
        batch_op.drop_column('source')
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_links_redirect_code_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_links_click_limit_positive'), type_='check')
        batch_op.drop_column('forward_query')
        batch_op.drop_column('redirect_code')
        batch_op.drop_column('password_hash')
        batch_op.drop_column('click_limit')
        batch_op.drop_column('starts_at')
