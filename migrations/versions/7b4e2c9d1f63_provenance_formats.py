"""provenance and source, funding end, joined_by, scope, survey answers, criteria weights,
formats (issues 12 and 13; recorded votes come with the integrity revision)

Revision ID: 7b4e2c9d1f63
Revises: 3dea0d195008
Create Date: 2026-11-30 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b4e2c9d1f63'
down_revision = '7b1e4c9a2d55'
branch_labels = None
depends_on = None


def _provenance(batch_op, source: str | None = 'source'):
    batch_op.add_column(sa.Column('provenance', sa.String(length=20),
                                  server_default='documented', nullable=False))
    if source:
        batch_op.add_column(sa.Column(source, sa.Text(), server_default='', nullable=False))


def upgrade():
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.add_column(sa.Column('funded_until', sa.Date(), nullable=True))

    with op.batch_alter_table('region_membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('joined_by', sa.String(length=30), nullable=True))
        _provenance(batch_op)

    with op.batch_alter_table('actor', schema=None) as batch_op:
        _provenance(batch_op)

    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sa.String(length=10), server_default='joint',
                                      nullable=False))
        batch_op.add_column(sa.Column('funding', sa.Text(), server_default='', nullable=False))

    with op.batch_alter_table('participation', schema=None) as batch_op:
        _provenance(batch_op)

    with op.batch_alter_table('tie', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trust', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('value', sa.Integer(), nullable=True))
        _provenance(batch_op, 'reference')

    with op.batch_alter_table('rule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weights', sa.JSON(), nullable=True))

    op.create_table('format',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('cadence', sa.String(length=20), nullable=False),
    sa.Column('convenor_id', sa.Integer(), nullable=True),
    sa.Column('topic', sa.String(length=30), nullable=True),
    sa.Column('since', sa.Date(), nullable=True),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('provenance', sa.String(length=20), server_default='documented', nullable=False),
    sa.Column('source', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['convenor_id'], ['actor.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('region_id', 'key')
    )
    with op.batch_alter_table('format', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_format_convenor_id'), ['convenor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_format_region_id'), ['region_id'], unique=False)

    op.create_table('format_participant',
    sa.Column('format_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['actor.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['format_id'], ['format.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('format_id', 'actor_id')
    )


def downgrade():
    op.drop_table('format_participant')
    with op.batch_alter_table('format', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_format_region_id'))
        batch_op.drop_index(batch_op.f('ix_format_convenor_id'))
    op.drop_table('format')

    with op.batch_alter_table('rule', schema=None) as batch_op:
        batch_op.drop_column('weights')
    with op.batch_alter_table('tie', schema=None) as batch_op:
        for name in ('reference', 'provenance', 'value', 'trust'):
            batch_op.drop_column(name)
    with op.batch_alter_table('participation', schema=None) as batch_op:
        for name in ('source', 'provenance'):
            batch_op.drop_column(name)
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        for name in ('funding', 'scope'):
            batch_op.drop_column(name)
    with op.batch_alter_table('actor', schema=None) as batch_op:
        for name in ('source', 'provenance'):
            batch_op.drop_column(name)
    with op.batch_alter_table('region_membership', schema=None) as batch_op:
        for name in ('source', 'provenance', 'joined_by'):
            batch_op.drop_column(name)
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.drop_column('funded_until')
