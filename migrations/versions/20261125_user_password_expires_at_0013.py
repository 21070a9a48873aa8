"""A password made up for someone and printed once (``assess users create`` without
--password-stdin, ``assess demo``) expires: ``user_account.password_expires_at`` is set while the
password is such a one, which then opens only the page where its owner chooses their own.

Reviewed by hand: one nullable column (existing accounts keep passwords of their own); batch
mode for SQLite.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-25 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_expires_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('password_expires_at')
