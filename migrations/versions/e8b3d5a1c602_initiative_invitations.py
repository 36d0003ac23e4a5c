"""invitations by an initiative's lead (initiative_join_request.invited_by_lead)

Revision ID: e8b3d5a1c602
Revises: c4a9e2b71d35
Create Date: 2026-11-28 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e8b3d5a1c602'
down_revision = '9c2d4e6f8a10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('initiative_join_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invited_by_lead', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('initiative_join_request', schema=None) as batch_op:
        batch_op.drop_column('invited_by_lead')
