"""notification.message: the msgid and parameters of a notification's subject and body, so
that the in-app list shows it in the language the account reads in now (it was stored only
as text, in the language of the moment it was made); older rows keep their text

Revision ID: 5b8e2d4c1a73
Revises: 3f9a6d2e8c41
Create Date: 2026-11-29 07:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '5b8e2d4c1a73'
down_revision = '3f9a6d2e8c41'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification') as batch_op:
        batch_op.add_column(sa.Column('message', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('notification') as batch_op:
        batch_op.drop_column('message')
