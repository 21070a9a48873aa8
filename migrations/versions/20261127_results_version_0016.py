"""A version number per questionnaire that changes whenever its set of submitted results does
(``results_version``): a result added, removed or changed bumps it, by triggers on
``assessment_result`` in the same transaction. The results page keeps a firm's peer benchmark
under that number, so a view counts the peers again only after they changed, and one primary-key
read tells whether they did.

Reviewed by hand; spelled out here, not read from the models. A questionnaire's version starts
at a random number (see FIRST), for those that already have results too.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


# A questionnaire's first version is a random number, not 1: should the table be emptied or
# restored while processes keep what they counted under a version (ids are used again after
# the results are deleted), a version number cannot come back with other results behind it.
FIRST = {"sqlite": "abs(random() % 1000000000000)",
         "postgresql": "floor(random() * 1000000000000)::bigint"}


def _bump(row: str, dialect: str) -> str:
    # Only this module's constants go into the SQL: a table alias and a dialect's expression.
    return ("INSERT INTO results_version (questionnaire_id, version) "  # noqa: S608
            f"VALUES ({row}.questionnaire_id, {FIRST[dialect]}) ON CONFLICT (questionnaire_id) "
            "DO UPDATE SET version = results_version.version + 1")


# name -> (event, rows bumped); every trigger runs after the row changed.
TRIGGERS = {
    "results_version_insert": ("INSERT", ["NEW"]),
    "results_version_update": ("UPDATE", ["OLD", "NEW"]),
    "results_version_delete": ("DELETE", ["OLD"]),
}


def upgrade():
    op.create_table('results_version',
    sa.Column('questionnaire_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('questionnaire_id', name=op.f('pk_results_version'))
    )
    dialect = op.get_bind().dialect.name
    op.execute("INSERT INTO results_version (questionnaire_id, version) "  # noqa: S608 - constants
               f"SELECT questionnaire_id, {FIRST[dialect]} FROM assessment_result "
               "GROUP BY questionnaire_id")
    postgresql = dialect == "postgresql"
    for name, (event, rows) in TRIGGERS.items():
        body = "".join(f"  {_bump(row, dialect)};\n" for row in rows)
        if postgresql:
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                       f"BEGIN\n{body}  RETURN NULL;\nEND;\n$$")
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON assessment_result "
                       f"FOR EACH ROW EXECUTE FUNCTION {name}()")
        else:
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON assessment_result\n"
                       f"FOR EACH ROW BEGIN\n{body}END")


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in TRIGGERS:
        if postgresql:
            op.execute(f"DROP TRIGGER {name} ON assessment_result")
            op.execute(f"DROP FUNCTION {name}()")
        else:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table('results_version')
