"""report store and staged bundles: analysis reports shared by all app processes and hosts,
bundles checked by a dry run kept in the database instead of instance/imports/

Revision ID: 7b1f0c2d9e44
Revises: 3dea0d195008
Create Date: 2026-11-23 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b1f0c2d9e44'
down_revision = '7b4e2c9d1f63'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('analysis_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('data_version', sa.Integer(), nullable=False),
    sa.Column('without', sa.String(length=130), nullable=False),
    sa.Column('taktgeber', sa.String(length=130), nullable=False),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('region_id', 'without', 'taktgeber', 'lang', 'data_version',
                        name='uq_analysis_report_key')
    )
    with op.batch_alter_table('analysis_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analysis_report_region_id'), ['region_id'],
                              unique=False)

    op.create_table('staged_bundle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug', 'user_id', 'digest')
    )
    with op.batch_alter_table('staged_bundle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staged_bundle_created_at'), ['created_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_staged_bundle_user_id'), ['user_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('staged_bundle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staged_bundle_user_id'))
        batch_op.drop_index(batch_op.f('ix_staged_bundle_created_at'))
    op.drop_table('staged_bundle')
    with op.batch_alter_table('analysis_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_analysis_report_region_id'))
    op.drop_table('analysis_report')
