"""format_invitation: a member's invitation of another municipality's actor to a format its
own unit convenes; that municipality accepts (the actor takes part) or declines

Revision ID: a4d7c2e9f513
Revises: 5b8e2d4c1a73
Create Date: 2026-12-01 08:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a4d7c2e9f513'
down_revision = '5b8e2d4c1a73'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'format_invitation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('format_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['actor_id'], ['actor.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user.id']),
        sa.ForeignKeyConstraint(['format_id'], ['format.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['requested_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('format_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_format_invitation_actor_id'), ['actor_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_format_invitation_format_id'), ['format_id'],
                              unique=False)
        batch_op.create_index('uq_format_invitation_pending', ['format_id', 'actor_id'],
                              unique=True, postgresql_where=sa.text("status = 'pending'"),
                              sqlite_where=sa.text("status = 'pending'"))


def downgrade():
    op.drop_table('format_invitation')
