"""survey_response.created: the actors a municipality's answers to a round created as new
partners, over all its submissions (the round's cap of new partners counts them); answers
given before get them from the activity log and from their last submission's changes

Revision ID: 5f2b8d0c6e31
Revises: 0db4646ca112
Create Date: 2026-12-02 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '5f2b8d0c6e31'
down_revision = '0db4646ca112'
branch_labels = None
depends_on = None


survey = sa.table('survey', sa.column('id', sa.Integer), sa.column('region_id', sa.Integer),
                  sa.column('opened_at', sa.DateTime))
response = sa.table('survey_response', sa.column('id', sa.Integer),
                    sa.column('survey_id', sa.Integer),
                    sa.column('municipality_id', sa.Integer),
                    sa.column('changes', sa.JSON), sa.column('created', sa.JSON))
municipality = sa.table('municipality', sa.column('id', sa.Integer),
                        sa.column('name', sa.String))
activity = sa.table('activity', sa.column('id', sa.Integer), sa.column('region_id', sa.Integer),
                    sa.column('at', sa.DateTime), sa.column('action', sa.String),
                    sa.column('target', sa.String), sa.column('before', sa.JSON))

#: the source a new partner of a survey answer was given ("Netzwerkbefragung 3: Olpe"), in
#: either language of the platform
REFERENCES = ('Netzwerkbefragung {n}: {m}', 'Network survey {n}: {m}')


def created_by_answers(bind, survey_id, region_id, opened_at, name, changes):
    """The keys of the actors the answers of one municipality to one round created: every
    ``actor.create`` of the region since the round opened whose new record names the
    survey as its source (each answer gave its new partners that source), and those the
    last answer's changes list; in the order they were created."""
    sources = {text.format(n=survey_id, m=name) for text in REFERENCES}
    found = []
    query = sa.select(activity.c.target, activity.c.before).where(
        activity.c.region_id == region_id, activity.c.action == 'actor.create')
    if opened_at is not None:
        query = query.where(activity.c.at >= opened_at)
    for target, before in bind.execute(query.order_by(activity.c.id)).all():
        records = (before or {}).get('records') if isinstance(before, dict) else None
        pair = ((records or {}).get('actors') or {}).get(target) \
            if isinstance(records, dict) else None
        record = pair[1] if isinstance(pair, list) and len(pair) == 2 else None
        if isinstance(record, dict) and record.get('source') in sources \
                and target not in found:
            found.append(target)
    for change in changes or []:
        if isinstance(change, dict) and change.get('action') == 'actor.create' \
                and change.get('target') and change['target'] not in found:
            found.append(change['target'])
    return found


def backfill(bind):
    for response_id, survey_id, region_id, opened_at, name, changes in bind.execute(
            sa.select(response.c.id, survey.c.id, survey.c.region_id, survey.c.opened_at,
                      municipality.c.name, response.c.changes)
            .join(survey, survey.c.id == response.c.survey_id)
            .join(municipality, municipality.c.id == response.c.municipality_id)
            .order_by(response.c.id)).all():
        bind.execute(response.update().where(response.c.id == response_id).values(
            created=created_by_answers(bind, survey_id, region_id, opened_at, name,
                                       changes)))


def upgrade():
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created', sa.JSON(), nullable=True))
    backfill(op.get_bind())
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.alter_column('created', existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_column('created')
