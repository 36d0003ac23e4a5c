"""region.data_changed_at: when the region's data last changed (set with data_version), so
that a report states its "Datenstand" as a date and time instead of a version number;
filled from the activity log (its newest entry that changed data)

Revision ID: 3f9a6d2e8c41
Revises: 8e3c5b1d7f20
Create Date: 2026-11-29 12:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '3f9a6d2e8c41'
down_revision = '8e3c5b1d7f20'
branch_labels = None
depends_on = None


region = sa.table('region', sa.column('id', sa.Integer),
                  sa.column('data_changed_at', sa.DateTime))
activity = sa.table('activity', sa.column('region_id', sa.Integer),
                    sa.column('at', sa.DateTime), sa.column('action', sa.String))

#: logged changes of a region that leave its data (and data_version) as it was
NOT_DATA = ('snapshot.create', 'snapshot.delete', 'view.positions', 'initiative.invite')


def backfill(bind):
    """Each region's newest logged change of its data (none logged: left empty)."""
    newest = bind.execute(
        sa.select(activity.c.region_id, sa.func.max(activity.c.at))
        .where(activity.c.region_id.is_not(None), activity.c.action.not_in(NOT_DATA))
        .group_by(activity.c.region_id)).all()
    for region_id, at in newest:
        bind.execute(region.update().where(region.c.id == region_id)
                     .values(data_changed_at=at))


def upgrade():
    with op.batch_alter_table('region') as batch_op:
        batch_op.add_column(sa.Column('data_changed_at', sa.DateTime(), nullable=True))
    backfill(op.get_bind())


def downgrade():
    with op.batch_alter_table('region') as batch_op:
        batch_op.drop_column('data_changed_at')
