"""Consent records outlive the assessments they covered: a purge detaches a consent (its
assessment_id becomes NULL) instead of deleting it, so the record names the firm and the agency
itself, says when its term ends, and when the firm's data was purged.

The two columns that refer to an assessment without an index get one (assessment.previous_id,
invitation.assessment_id): deleting an assessment checks every such column, and without them a
purge of thousands of assessments scans both tables once per assessment (minutes instead of
seconds on SQLite).

Reviewed by hand. Existing consents get the firm's and the agency's names as they are now and a
term of CONSENT_YEARS from when they were given (computed here, row by row, with plain SQL, so
that later model changes cannot break this step). Downgrading deletes the consent records that
were detached from a purged assessment: the earlier schema cannot hold a consent without one.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 09:00:00.000000

"""
from datetime import datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

consent = sa.table(
    'consent', sa.column('id', sa.Integer), sa.column('assessment_id', sa.Integer),
    sa.column('organisation_id', sa.Integer), sa.column('given_at', sa.DateTime(timezone=True)),
    sa.column('expires_at', sa.DateTime(timezone=True)), sa.column('firm_name', sa.String),
    sa.column('recipient_name', sa.String),
)


def upgrade():
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('firm_name', sa.String(length=200), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('recipient_name', sa.String(length=200), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('data_purged_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.alter_column('assessment_id', existing_type=sa.Integer(), nullable=True)

    backfill()

    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(timezone=True),
                              nullable=False)
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_previous_id'), ['previous_id'],
                              unique=False)
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_assessment_id'), ['assessment_id'],
                              unique=False)


def backfill():
    from flask import current_app

    years = int(current_app.config.get('CONSENT_YEARS', 2))
    connection = op.get_bind()
    firm_names = dict(connection.execute(sa.text(
        "SELECT a.id, f.name FROM assessment a JOIN firm f ON f.id = a.firm_id")).all())
    agency_names = dict(connection.execute(sa.text("SELECT id, name FROM organisation")).all())
    rows = connection.execute(sa.select(consent.c.id, consent.c.assessment_id,
                                        consent.c.organisation_id, consent.c.given_at)).all()
    for id_, assessment_id, organisation_id, given_at in rows:
        connection.execute(consent.update().where(consent.c.id == id_).values(
            firm_name=(firm_names.get(assessment_id) or '')[:200],
            recipient_name=(agency_names.get(organisation_id) or '')[:200],
            expires_at=_years_later(given_at, years)))


def _years_later(at: datetime, years: int) -> datetime:
    try:
        return at.replace(year=at.year + years)
    except ValueError:  # 29 February
        return at.replace(year=at.year + years, day=28)


def downgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_assessment_id'))
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_previous_id'))
    op.execute("DELETE FROM consent WHERE assessment_id IS NULL")
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.alter_column('assessment_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('data_purged_at')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('recipient_name')
        batch_op.drop_column('firm_name')
