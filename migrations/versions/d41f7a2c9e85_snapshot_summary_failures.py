"""snapshot.summary_attempts, snapshot.summary_failed_at: a snapshot whose key figures the
analysis job failed to compute is marked, tried again after a back-off, and given up after a
few attempts (before, every look at the page queued it again, without end)

Revision ID: d41f7a2c9e85
Revises: a6c2f9e41d58
Create Date: 2026-11-29 03:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd41f7a2c9e85'
down_revision = 'a6c2f9e41d58'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('snapshot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary_attempts', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('summary_failed_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('snapshot', schema=None) as batch_op:
        batch_op.drop_column('summary_failed_at')
        batch_op.drop_column('summary_attempts')
