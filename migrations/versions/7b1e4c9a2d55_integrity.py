"""integrity (issue 11): recorded votes, session versions, token expiry, one pending
application per municipality and region

Revision ID: 7b1e4c9a2d55
Revises: 3dea0d195008
Create Date: 2026-11-23 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b1e4c9a2d55'
down_revision = '3dea0d195008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0',
                                      nullable=False))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('join_request', schema=None) as batch_op:
        batch_op.create_index('uq_join_request_pending', ['region_id', 'municipality_id'],
                              unique=True, postgresql_where=sa.text("status = 'pending'"),
                              sqlite_where=sa.text("status = 'pending'"))


def downgrade():
    with op.batch_alter_table('join_request', schema=None) as batch_op:
        batch_op.drop_index('uq_join_request_pending')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_version')
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_column('recorded')
