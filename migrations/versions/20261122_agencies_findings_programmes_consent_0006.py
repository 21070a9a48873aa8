"""Agencies: the findings of each submitted result (stored, so the dashboard counts the most common
gaps without rescoring), support programmes, and consents that name the agency.

Reviewed by hand. Results submitted before this revision get their findings here, scored with
their own questionnaire version from the stored answers (read with plain SQL, so that later
model changes cannot break this step).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 16:30:42.945197

"""
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('programme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('eligibility_text', sa.Text(), nullable=False),
    sa.Column('eligibility', sa.JSON(), nullable=False),
    sa.Column('sample', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_programme_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme'))
    )
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('result_finding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('dimension', sa.String(length=32), nullable=False),
    sa.Column('priority', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment_result.assessment_id'], name=op.f('fk_result_finding_assessment_id_assessment_result'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_finding'))
    )
    with op.batch_alter_table('result_finding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_finding_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_result_finding_rule'), ['rule'], unique=False)

    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_consent_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_consent_organisation_id_organisation'), 'organisation', ['organisation_id'], ['id'])

    backfill_findings()


def backfill_findings():
    from flask import current_app

    from assess.questionnaire import get_questionnaire
    from assess.scoring import AnswersDocument, score

    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT a.id, a.questionnaire_id, a.questionnaire_version, a.language, a.profile, "
        "a.answers FROM assessment a JOIN assessment_result r ON r.assessment_id = a.id"))
    finding = sa.table("result_finding", sa.column("assessment_id"), sa.column("rule"),
                       sa.column("dimension"), sa.column("priority"))
    for id_, qid, version, language, profile, answers in rows:
        profile = json.loads(profile) if isinstance(profile, str) else profile
        answers = json.loads(answers) if isinstance(answers, str) else answers
        questionnaire = get_questionnaire(current_app.config["QUESTIONNAIRE_DIR"], qid, version)
        result = score(questionnaire, AnswersDocument(qid, version, language, profile, answers))
        values = [{"assessment_id": id_, "rule": f.rule, "dimension": f.dimension,
                   "priority": f.priority} for f in result.findings]
        if values:
            connection.execute(finding.insert(), values)



def downgrade():
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_consent_organisation_id_organisation'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_consent_organisation_id'))
        batch_op.drop_column('organisation_id')

    with op.batch_alter_table('result_finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_finding_rule'))
        batch_op.drop_index(batch_op.f('ix_result_finding_assessment_id'))

    op.drop_table('result_finding')
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_organisation_id'))

    op.drop_table('programme')
