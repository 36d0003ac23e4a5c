"""survey.ended_at: when the coordinator ended a round early (its closing date stays the
planned one); earlier rounds ended early get it from their "survey.close" log entry

Revision ID: b7e1c3d5a902
Revises: f3a8c1d92b47
Create Date: 2026-11-28 21:15:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7e1c3d5a902'
down_revision = 'f3a8c1d92b47'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_at', sa.DateTime(), nullable=True))
    survey = sa.table('survey', sa.column('id', sa.Integer), sa.column('region_id', sa.Integer),
                      sa.column('ended_at', sa.DateTime))
    activity = sa.table('activity', sa.column('region_id', sa.Integer),
                        sa.column('action', sa.String), sa.column('target', sa.String),
                        sa.column('at', sa.DateTime))
    bind = op.get_bind()
    for target, region_id, at in bind.execute(
            sa.select(activity.c.target, activity.c.region_id, activity.c.at)
            .where(activity.c.action == 'survey.close')).all():
        if target and target.isdigit():
            bind.execute(survey.update().where(survey.c.id == int(target),
                                               survey.c.region_id == region_id)
                         .values(ended_at=at))


def downgrade():
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_column('ended_at')
