"""Answers carried into a re-assessment and not yet reviewed.

Reviewed by hand: one column, empty for every existing assessment.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 19:05:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('to_review', sa.JSON(), server_default='[]', nullable=False))


def downgrade():
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_column('to_review')
