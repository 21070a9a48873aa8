"""A batch report being rendered carries a lease that its job consumer renews while it works, so
that the report of a consumer that was killed (or whose task failed after claiming it) is given
back to the queue once the lease runs out, instead of staying "running" for ever.

Reviewed by hand: one nullable column; batch mode for SQLite.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('job_item', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
