"""rule.electorate: who may vote on a ballot, fixed when it opens (the region's voting
members then); ballots running now get the electorate they had when they opened, as far as
the database still tells it

Revision ID: 0db4646ca112
Revises: b7e1c3d5a902
Create Date: 2026-12-01 10:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0db4646ca112'
down_revision = 'b7e1c3d5a902'
branch_labels = None
depends_on = None


rule = sa.table('rule', sa.column('id', sa.Integer), sa.column('region_id', sa.Integer),
                sa.column('status', sa.String), sa.column('opened_at', sa.DateTime),
                sa.column('electorate', sa.JSON))
region = sa.table('region', sa.column('id', sa.Integer), sa.column('voting_tiers', sa.String))
membership = sa.table('region_membership', sa.column('region_id', sa.Integer),
                      sa.column('municipality_id', sa.Integer), sa.column('tier', sa.String),
                      sa.column('since', sa.Date))
municipality = sa.table('municipality', sa.column('id', sa.Integer),
                        sa.column('key', sa.String))
vote = sa.table('vote', sa.column('rule_id', sa.Integer),
                sa.column('municipality_id', sa.Integer))
activity = sa.table('activity', sa.column('id', sa.Integer), sa.column('region_id', sa.Integer),
                    sa.column('at', sa.DateTime), sa.column('action', sa.String),
                    sa.column('target', sa.String), sa.column('before', sa.JSON))

#: log entries that add a member without recording what they replaced
JOINED = ('join.approve',)


def electorate_at_opening(bind, rule_id, region_id, opened_at):
    """The ids of the municipalities that could vote when the ballot opened, read back from
    today's memberships: every change of the region logged since the opening is undone on
    paper, newest first (a change of a municipality or of the region keeps the record it
    replaced; an approved request to join keeps none: that member had not joined), and a
    member whose ``since`` lies after the day of opening had not joined either.
    Every municipality that has voted on the ballot belongs to it: its vote counts as it
    did when cast. Members that left without voting and changes the log does not hold (a
    bundle import) cannot be told any more; they stay as they are now."""
    tiers = bind.execute(sa.select(region.c.voting_tiers)
                         .where(region.c.id == region_id)).scalar() or 'pioneer,member'
    tiers = [t for t in tiers.split(',') if t]
    ids = dict(bind.execute(sa.select(municipality.c.key, municipality.c.id)).all())
    members = bind.execute(
        sa.select(municipality.c.key, membership.c.tier, membership.c.since)
        .join(municipality, municipality.c.id == membership.c.municipality_id)
        .where(membership.c.region_id == region_id)).all()
    tier_of = {key: tier for key, tier, _since in members}
    if opened_at is not None:
        for action, target, before in bind.execute(
                sa.select(activity.c.action, activity.c.target, activity.c.before)
                .where(activity.c.region_id == region_id, activity.c.at > opened_at)
                .order_by(activity.c.at.desc(), activity.c.id.desc())).all():
            if action in JOINED:
                tier_of[target] = None
            records = (before or {}).get('records') if isinstance(before, dict) else None
            if not isinstance(records, dict):
                continue
            for key, pair in (records.get('municipalities') or {}).items():
                was = pair[0] if isinstance(pair, list) and pair else None
                tier_of[key] = was.get('tier') if isinstance(was, dict) else None
            region_pair = (records.get('region') or {}).get('region')
            if isinstance(region_pair, list) and isinstance(region_pair[0], dict) and (
                    isinstance(region_pair[0].get('voting_tiers'), list)):
                tiers = region_pair[0]['voting_tiers']
        for key, _tier, since in members:
            if since is not None and since > opened_at.date():
                tier_of[key] = None
    found = {ids[key] for key, tier in tier_of.items() if tier in tiers and key in ids}
    found |= set(bind.execute(sa.select(vote.c.municipality_id)
                              .where(vote.c.rule_id == rule_id)).scalars())
    return sorted(found)


def backfill(bind):
    """Give every running ballot its electorate (see :func:`electorate_at_opening`)."""
    for rule_id, region_id, opened_at in bind.execute(
            sa.select(rule.c.id, rule.c.region_id, rule.c.opened_at)
            .where(rule.c.status == 'voting', rule.c.electorate.is_(None))).all():
        bind.execute(rule.update().where(rule.c.id == rule_id).values(
            electorate=electorate_at_opening(bind, rule_id, region_id, opened_at)))


def upgrade():
    with op.batch_alter_table('rule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('electorate', sa.JSON(), nullable=True))
    backfill(op.get_bind())


def downgrade():
    with op.batch_alter_table('rule', schema=None) as batch_op:
        batch_op.drop_column('electorate')
