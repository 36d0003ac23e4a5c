"""indexes on actor (region_id, municipality_id) and (region_id, name): the actors of a page
of members, a region's regional bodies and a page of actors by name, without scanning and
sorting all the region's actors

Revision ID: f3a8c1d92b47
Revises: e8b3d5a1c602
Create Date: 2026-11-28 12:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f3a8c1d92b47'
down_revision = 'e8b3d5a1c602'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('actor', schema=None) as batch_op:
        batch_op.create_index('ix_actor_region_municipality', ['region_id', 'municipality_id'],
                              unique=False)
        batch_op.create_index('ix_actor_region_name', ['region_id', 'name'], unique=False)


def downgrade():
    with op.batch_alter_table('actor', schema=None) as batch_op:
        batch_op.drop_index('ix_actor_region_name')
        batch_op.drop_index('ix_actor_region_municipality')
