"""notifications: e-mail and language of accounts, notification choices, notifications,
the mail outbox, ballot reminders and the history of ballots

Revision ID: 9c2d4e6f8a10
Revises: 7b1f0c2d9e44
Create Date: 2026-11-28 07:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c2d4e6f8a10'
down_revision = 'c4a9e2b71d35'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('language', sa.String(length=5), server_default='de',
                                      nullable=False))
        batch_op.add_column(sa.Column('notification_choices', sa.JSON(), server_default='{}',
                                      nullable=False))
    with op.batch_alter_table('rule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('ballot_history', sa.JSON(), server_default='[]',
                                      nullable=False))
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('mail', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_created_at'), ['created_at'],
                              unique=False)
    op.create_table('outbox_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('to_addr', sa.String(length=254), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('text_body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_mail_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_mail_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_mail_created_at'), ['created_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('outbox_mail', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_mail_created_at'))
        batch_op.drop_index(batch_op.f('ix_outbox_mail_status'))
        batch_op.drop_index(batch_op.f('ix_outbox_mail_user_id'))
    op.drop_table('outbox_mail')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_created_at'))
        batch_op.drop_index(batch_op.f('ix_notification_user_id'))
    op.drop_table('notification')
    with op.batch_alter_table('rule', schema=None) as batch_op:
        batch_op.drop_column('ballot_history')
        batch_op.drop_column('reminded_at')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('notification_choices')
        batch_op.drop_column('language')
        batch_op.drop_column('email')
