"""server-side login sessions (replacing users.session_version); slugs unique whatever their case

Revision ID: 0006
Revises: 0005

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


class SlugClash(RuntimeError):
    """Links that would become one; the owners must rename them before this migration."""


def upgrade():
    # First, before any change: on SQLite a failed migration is not rolled back.
    _refuse_slug_clashes()
    _upgrade()


def _upgrade():
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('remember', sa.Boolean(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('user_agent', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)
    # Sessions are server-side now: the old "<id>:<version>" cookies name no login and
    # everyone logs in once more.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')

    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slug_key', sa.String(length=64), nullable=True))
    op.execute('UPDATE links SET slug_key = lower(slug)')
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.alter_column('slug_key', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint('uq_links_owner_slug', type_='unique')
        batch_op.create_unique_constraint('uq_links_owner_slug_key', ['owner_id', 'slug_key'])


def _refuse_slug_clashes():
    """Stop, listing them, if an owner has links whose slugs differ only by case.

    Nothing is renamed or dropped here: which one keeps the name is the owners' call.
    """
    clashes = op.get_bind().execute(sa.text(
        "SELECT users.username, links.slug, links.id FROM links "
        "JOIN users ON users.id = links.owner_id "
        "WHERE EXISTS (SELECT 1 FROM links AS other WHERE other.owner_id = links.owner_id "
        "AND other.id <> links.id AND lower(other.slug) = lower(links.slug)) "
        "ORDER BY users.username, lower(links.slug), links.id"
    )).all()
    if clashes:
        listed = "\n".join(f"  /{username}/{slug} (link id {link_id})"
                           for username, slug, link_id in clashes)
        raise SlugClash(
            "Slugs are becoming case-insensitive, but these links differ only by case:\n"
            f"{listed}\n"
            "Rename or delete all but one of each group (e.g. in the app), then run the "
            "migration again. Nothing was changed."
        )


def downgrade():
    # migrations/env.py keeps SQLite's foreign keys off while tables are rebuilt.
    _downgrade()


def _downgrade():
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.drop_constraint('uq_links_owner_slug_key', type_='unique')
        batch_op.create_unique_constraint('uq_links_owner_slug', ['owner_id', 'slug'])
        batch_op.drop_column('slug_key')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('session_version', server_default=None)
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
    op.drop_table('user_sessions')
