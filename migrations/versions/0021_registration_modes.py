"""users.email_verified_at, invites, pending_registrations.invite_id and
registration_mode_changes: registration modes and limits tied to trust

Revision ID: 0021
Revises: 0020

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs, never batch rebuilds: SQLite's copy would lose AUTOINCREMENT (0010).
    op.add_column('users', sa.Column('email_verified_at', sa.DateTime(), nullable=True))
    # Every account so far proved its address (a sign-up's link) or was made by an admin:
    # none of them loses its budget.
    op.execute("UPDATE users SET email_verified_at = created_at")
    op.create_table(
        'invites',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_by_id', sa.Integer(), nullable=True),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['used_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code_hash'),
    )
    op.create_index('ix_invites_created_by_id', 'invites', ['created_by_id'], unique=False)
    # SQLite adds no foreign key to a table in place; this one has no AUTOINCREMENT to lose.
    with op.batch_alter_table('pending_registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invite_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_pending_registrations_invite_id_invites', 'invites',
                                    ['invite_id'], ['id'], ondelete='SET NULL')
    op.create_table(
        'registration_mode_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('mode', sa.String(length=16), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_registration_mode_changes_changed_at', 'registration_mode_changes',
                    ['changed_at'], unique=False)


def downgrade():
    op.drop_index('ix_registration_mode_changes_changed_at', 'registration_mode_changes')
    op.drop_table('registration_mode_changes')
    with op.batch_alter_table('pending_registrations', schema=None) as batch_op:
        batch_op.drop_constraint('fk_pending_registrations_invite_id_invites', type_='foreignkey')
        batch_op.drop_column('invite_id')
    op.drop_index('ix_invites_created_by_id', 'invites')
    op.drop_table('invites')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
