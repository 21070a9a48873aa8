"""Assessments stored through the JSON API remember the request's Idempotency-Key (hashed with the
organisation), so that a replayed request stores nothing twice.

Reviewed by hand: one nullable column with a unique constraint named by the naming convention;
batch mode for SQLite.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_assessment_idempotency_key'),
                                          ['idempotency_key'])


def downgrade():
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_assessment_idempotency_key'), type_='unique')
        batch_op.drop_column('idempotency_key')
