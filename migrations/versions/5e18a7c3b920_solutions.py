"""solutions: the members' solutions, who uses or wants them, and re-use requests (issue 18)

Revision ID: 5e18a7c3b920
Revises: 7b1f0c2d9e44
Create Date: 2026-11-30 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e18a7c3b920'
down_revision = '9d2e6a41c7b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('solution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('topic', sa.String(length=30), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('open_source', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('licence', sa.String(length=200), server_default='', nullable=False),
    sa.Column('maturity', sa.String(length=20), nullable=False),
    sa.Column('links', sa.JSON(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['actor.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('region_id', 'key')
    )
    with op.batch_alter_table('solution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_solution_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_solution_region_id'), ['region_id'], unique=False)

    op.create_table('solution_initiative',
    sa.Column('solution_id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['solution_id'], ['solution.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('solution_id', 'initiative_id')
    )

    op.create_table('solution_use',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('solution_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=20), nullable=False),
    sa.Column('from_municipality_id', sa.Integer(), nullable=True),
    sa.Column('since', sa.Date(), nullable=True),
    sa.Column('provenance', sa.String(length=20), server_default='documented',
              nullable=False),
    sa.Column('source', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['from_municipality_id'], ['municipality.id'],
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['solution_id'], ['solution.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('solution_id', 'municipality_id', 'relation')
    )
    with op.batch_alter_table('solution_use', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_solution_use_municipality_id'),
                              ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_solution_use_solution_id'), ['solution_id'],
                              unique=False)

    op.create_table('reuse_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('solution_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['solution_id'], ['solution.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reuse_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reuse_request_municipality_id'),
                              ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reuse_request_solution_id'), ['solution_id'],
                              unique=False)
        batch_op.create_index('uq_reuse_request_pending', ['solution_id', 'municipality_id'],
                              unique=True, postgresql_where=sa.text("status = 'pending'"),
                              sqlite_where=sa.text("status = 'pending'"))


def downgrade():
    with op.batch_alter_table('reuse_request', schema=None) as batch_op:
        batch_op.drop_index('uq_reuse_request_pending')
        batch_op.drop_index(batch_op.f('ix_reuse_request_solution_id'))
        batch_op.drop_index(batch_op.f('ix_reuse_request_municipality_id'))
    op.drop_table('reuse_request')
    with op.batch_alter_table('solution_use', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_solution_use_solution_id'))
        batch_op.drop_index(batch_op.f('ix_solution_use_municipality_id'))
    op.drop_table('solution_use')
    op.drop_table('solution_initiative')
    with op.batch_alter_table('solution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_solution_region_id'))
        batch_op.drop_index(batch_op.f('ix_solution_owner_id'))
    op.drop_table('solution')
