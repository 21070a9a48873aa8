"""Each result's programme matches, stored: which submitted results meet each active support
programme's eligibility (``programme_match``), so that the agency dashboard counts a programme's
firms with one grouped query. Until now it evaluated every programme's conditions on every
result's answers on each view, 3.6-4.1 s at 100,000 results.

The app keeps the table (services.agencies): a submission stores its result's matches, and a
programme's are evaluated again over every result when it is created, its eligibility changes or
it is removed. A match goes with its result (a purge) or its programme, by the cascades; the
index on ``assessment_id`` is for the former (deleting a result looks its matches up).

Reviewed by hand. The matches of the results and programmes already stored are evaluated here,
as the app evaluates them: each result's stored answers, profile and dimension scores (read with
plain SQL, so that later model changes cannot break this step) checked with the questionnaire's
own condition code, the way 0006 scored the findings of earlier results.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26 10:00:00.000000

"""
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

DIMENSIONS = ("dx_ax", "roi", "infra", "export", "succession")
ROWS = 5000  # match rows per INSERT


def upgrade():
    op.create_table('programme_match',
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment_result.assessment_id'], name=op.f('fk_programme_match_assessment_id_assessment_result'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_programme_match_programme_id_programme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme_id', 'assessment_id', name=op.f('pk_programme_match'))
    )
    with op.batch_alter_table('programme_match', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_match_assessment_id'), ['assessment_id'], unique=False)

    backfill_matches()


def _data(value):
    return json.loads(value) if isinstance(value, str) else value


def backfill_matches():
    from flask import current_app

    from assess.questionnaire import get_questionnaire
    from assess.questionnaire.conditions import Facts
    from assess.questionnaire.eligibility import eligibility_test
    from assess.scoring.engine import facts_profile

    connection = op.get_bind()
    tests = [(id_, eligibility_test(_data(eligibility))) for id_, eligibility in connection.execute(
        sa.text("SELECT id, eligibility FROM programme WHERE active ORDER BY id"))]
    if not tests:
        return
    # One pass over the results, every programme checked on each; inserted after the pass.
    rows = connection.execute(sa.text(
        "SELECT r.assessment_id, a.questionnaire_id, a.questionnaire_version, a.profile, "
        f"a.answers, {', '.join(f'r.{d}' for d in DIMENSIONS)} FROM assessment_result r "
        "JOIN assessment a ON a.id = r.assessment_id").execution_options(yield_per=1000))
    config = current_app.config["QUESTIONNAIRE_DIR"]
    matches = []
    for assessment_id, qid, version, profile, answers, *scores in rows:
        questionnaire = get_questionnaire(config, qid, version)
        facts = Facts(_data(answers), facts_profile(questionnaire, _data(profile)),
                      dict(zip(DIMENSIONS, scores, strict=True)))
        matches += [{"programme_id": programme_id, "assessment_id": assessment_id}
                    for programme_id, test in tests if test(facts)]
    match = sa.table("programme_match", sa.column("programme_id"), sa.column("assessment_id"))
    for start in range(0, len(matches), ROWS):
        connection.execute(match.insert(), matches[start:start + ROWS])


def downgrade():
    with op.batch_alter_table('programme_match', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_match_assessment_id'))

    op.drop_table('programme_match')
