"""users.disabled_at, links.admin_disabled_at and the audit log (moderation)

Revision ID: 0022
Revises: 0021

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs, never a batch rebuild: SQLite's copy of a table would lose its
    # AUTOINCREMENT (0010), and with foreign keys on, dropping the old one would cascade.
    op.add_column('users', sa.Column('disabled_at', sa.DateTime(), nullable=True))
    op.add_column('links', sa.Column('admin_disabled_at', sa.DateTime(), nullable=True))
    op.create_table(
        'audit_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('admin_id', sa.Integer(), nullable=True),
        sa.Column('admin_name', sa.String(length=32), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('subject_type', sa.String(length=16), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('subject_label', sa.String(length=300), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(['admin_id'], ['users.id'], name=op.f('fk_audit_log_admin_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f('ix_audit_log_admin_id'), 'audit_log', ['admin_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_audit_log_admin_id'), table_name='audit_log')
    op.drop_table('audit_log')
    for table, column in (('links', 'admin_disabled_at'), ('users', 'disabled_at')):
        with op.batch_alter_table(table, schema=None,
                                  table_kwargs={'sqlite_autoincrement': table == 'links'}) as batch_op:
            batch_op.drop_column(column)
