"""sort_name on municipality, actor, initiative, format and solution: the name's German sort
key (ä as a, ß as ss, case ignored; collab.core.collation), so that lists paginated by the
database sort "Märkischer Kreis" before "Menden" on SQLite and PostgreSQL alike (compared
byte by byte: collation "C" on PostgreSQL); the actors' index by name becomes one by it

Revision ID: 8e3c5b1d7f20
Revises: d41f7a2c9e85
Create Date: 2026-11-29 12:00:00.000000

"""
import unicodedata

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '8e3c5b1d7f20'
down_revision = 'd41f7a2c9e85'
branch_labels = None
depends_on = None


TABLES = ('municipality', 'actor', 'initiative', 'format', 'solution')
LENGTH = 400
BATCH = 1000


def sort_name_of(name):
    """collab.core.collation.sort_name_of as of this revision."""
    folded = unicodedata.normalize('NFKD', name or '').casefold()
    return ''.join(c for c in folded if not unicodedata.combining(c))[:LENGTH]


def column_type():
    return sa.String(LENGTH).with_variant(sa.String(LENGTH, collation='C'), 'postgresql')


def backfill(bind, name):
    """Fill the table's sort_name from its names, a batch of rows at a time."""
    table = sa.table(name, sa.column('id', sa.Integer), sa.column('name', sa.String),
                     sa.column('sort_name', sa.String))
    rows = bind.execute(sa.select(table.c.id, table.c.name)).all()
    update = table.update().where(table.c.id == sa.bindparam('row_id')).values(
        sort_name=sa.bindparam('key'))
    for start in range(0, len(rows), BATCH):
        bind.execute(update, [{'row_id': id_, 'key': sort_name_of(n)}
                              for id_, n in rows[start:start + BATCH]])


def upgrade():
    bind = op.get_bind()
    for name in TABLES:
        with op.batch_alter_table(name) as batch_op:
            batch_op.add_column(sa.Column('sort_name', column_type(), nullable=True))
        backfill(bind, name)
        with op.batch_alter_table(name) as batch_op:
            batch_op.alter_column('sort_name', existing_type=column_type(), nullable=False)
    with op.batch_alter_table('actor') as batch_op:
        batch_op.drop_index('ix_actor_region_name')
        batch_op.create_index('ix_actor_region_sort_name', ['region_id', 'sort_name'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('actor') as batch_op:
        batch_op.drop_index('ix_actor_region_sort_name')
        batch_op.create_index('ix_actor_region_name', ['region_id', 'name'], unique=False)
    for name in TABLES:
        with op.batch_alter_table(name) as batch_op:
            batch_op.drop_column('sort_name')
