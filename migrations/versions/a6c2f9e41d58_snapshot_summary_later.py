"""snapshot.summary may be NULL: a snapshot is saved at once and its key figures come from
the analysis worker when no stored report of that moment can give them

Revision ID: a6c2f9e41d58
Revises: 5f2b8d0c6e31
Create Date: 2026-11-29 01:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a6c2f9e41d58'
down_revision = '5f2b8d0c6e31'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('snapshot') as batch_op:
        batch_op.alter_column('summary', existing_type=sa.JSON(), nullable=True)


def downgrade():
    snapshot = sa.table('snapshot', sa.column('id', sa.Integer), sa.column('summary', sa.JSON))
    # a snapshot still waiting for its figures keeps an empty summary (the pages show "–")
    op.execute(snapshot.update().where(snapshot.c.summary.is_(None)).values(
        summary=sa.literal_column("'{\"figures\": {}, \"taktgeber\": [], \"gaps\": []}'")))
    with op.batch_alter_table('snapshot') as batch_op:
        batch_op.alter_column('summary', existing_type=sa.JSON(), nullable=False)
