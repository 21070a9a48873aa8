"""The agency dashboard's running totals: per group of results its filters tell apart (industry,
region, size band, quarter) every count and score sum it publishes (``result_total``), and per
group and rule the firms with that finding (``finding_total``), kept by triggers on
``assessment_result`` and ``result_finding`` in the same transaction as the row that changes them.

Reviewed by hand. The totals of the results already stored are added up here. Everything is
spelled out in this file (not read from the models) so that later model changes cannot change
what this revision does. The expressions are the dashboard's own (services.aggregates): a score's
band is the first upper bound it is below, a score sum is ``round(overall * 100)`` as an integer,
in the database's own arithmetic. Every change is an upsert on a total's primary key (a removal
adds negative figures; a group left without results is deleted), so a trigger touches a few rows
whatever the size of the data. A result is added by an AFTER INSERT trigger and taken away by a
BEFORE DELETE one, while its findings are still there (a cascade deletes them after the result,
when their own trigger no longer finds it); a finding counts only while its result exists, as the
dashboard's join counted it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-25 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

KEY = {"industry": 3, "region": 20, "size_band": 16, "quarter": 7}
DIMENSIONS = ("dx_ax", "roi", "infra", "export", "succession")
SCORED = ("overall", *DIMENSIONS)
LEVELS = (1, 2, 3, 4, 5)
BAND_TOPS = (20, 40, 60, 80, 101)  # 80-100 includes 100
RESULT_COLUMNS = ("assessment_id", "industry", "region", "size_band", "quarter", "overall",
                  "level", *DIMENSIONS)


def _score(r: str) -> str:
    return f"CAST(round({r}.overall * 100) AS INTEGER)"


def _counted(r: str) -> dict[str, str]:
    """Figure name -> the condition under which a result ``r`` counts in it."""
    out = {f"level{lv}": f"{r}.level = {lv}" for lv in LEVELS}
    for column in SCORED:
        band = ("CASE " + " ".join(f"WHEN {r}.{column} < {top} THEN {i}"
                                   for i, top in enumerate(BAND_TOPS)) + " ELSE -1 END")
        for i in range(len(BAND_TOPS)):
            out[f"{column}_band{i}"] = f"{r}.{column} IS NOT NULL AND {band} = {i}"
    for d in DIMENSIONS:
        out[f"{d}_unscored"] = f"{r}.{d} IS NULL"
    return out


def _figures(r: str) -> dict[str, str]:
    """Column of result_total -> what one result ``r`` adds to it."""
    out = {"n": "1", "score": _score(r)}
    for name, condition in _counted(r).items():
        out[f"{name}_n"] = f"CASE WHEN {condition} THEN 1 ELSE 0 END"
        out[f"{name}_score"] = f"CASE WHEN {condition} THEN {_score(r)} ELSE 0 END"
    for d in DIMENSIONS:
        out[f"{d}_sum"] = f"COALESCE({r}.{d}, 0)"
    return out


def _key(r: str) -> list[str]:
    return [f"COALESCE({r}.{c}, '')" if c != "quarter" else f"{r}.quarter" for c in KEY]


def _upsert(table: str, columns: list[str], rows: str, added: list[str]) -> str:
    """Add ``rows`` (a VALUES or SELECT giving the key, then ``added``) to ``table``'s totals:
    every change is an upsert on the primary key, a removal adds negative figures."""
    key = ", ".join(columns)
    return (f"INSERT INTO {table} ({key}, {', '.join(added)}) {rows} ON CONFLICT ({key}) "
            "DO UPDATE SET " + ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in added))


def _result(r: str, sign: str) -> list[str]:
    """Add (sign "") or take away (sign "-") the result ``r``, and its findings."""
    figures = _figures(r)
    key = ", ".join(_key(r))
    same_group = " AND ".join(f"{c} = {k}" for c, k in zip(KEY, _key(r), strict=True))
    statements = [
        _upsert("result_total", list(KEY),
                f"VALUES ({key}, " + ", ".join(f"{sign}({v})" for v in figures.values()) + ")",
                list(figures)),
        _upsert("finding_total", [*KEY, "rule"],
                f"SELECT {key}, f.rule, {sign}count(*), {sign}count(*) * {_score(r)} "
                f"FROM result_finding f WHERE f.assessment_id = {r}.assessment_id "
                "GROUP BY f.rule", ["n", "score"]),
    ]
    if sign:  # a group without results is not kept
        statements += [f"DELETE FROM {table} WHERE {same_group} AND n <= 0"
                       for table in ("result_total", "finding_total")]
    return statements


def _finding(f: str, sign: str) -> list[str]:
    """Add or take away the finding ``f``, in its result's group (none without a result)."""
    result = f"FROM assessment_result r WHERE r.assessment_id = {f}.assessment_id"
    key = ", ".join(_key("r"))
    statements = [_upsert("finding_total", [*KEY, "rule"],
                          f"SELECT {key}, {f}.rule, {sign}1, {sign}{_score('r')} {result}",
                          ["n", "score"])]
    if sign:
        statements.append(f"DELETE FROM finding_total WHERE ({', '.join(KEY)}, rule) IN "
                          f"(SELECT {key}, {f}.rule {result}) AND n <= 0")
    return statements


def _backfill() -> list[str]:
    figures = _figures("r")
    key = ", ".join(KEY)
    return [
        f"INSERT INTO result_total ({key}, {', '.join(figures)}) "
        f"SELECT {', '.join(_key('r'))}, "
        + ", ".join(f"sum({v})" for v in figures.values())
        + f" FROM assessment_result r GROUP BY {', '.join(_key('r'))}",
        f"INSERT INTO finding_total ({key}, rule, n, score) "
        f"SELECT {', '.join(_key('r'))}, f.rule, count(*), sum({_score('r')}) "
        "FROM result_finding f JOIN assessment_result r ON r.assessment_id = f.assessment_id "
        f"GROUP BY {', '.join(_key('r'))}, f.rule",
    ]


# name -> (timing, event, table, statements on SQLite); PostgreSQL runs the same statements.
def _triggers() -> dict[str, tuple[str, str, str, list[str]]]:
    changed = ", ".join(RESULT_COLUMNS)
    return {
        "result_total_insert": ("AFTER", "INSERT", "assessment_result", _result("NEW", "")),
        "result_total_update": ("AFTER", f"UPDATE OF {changed}", "assessment_result",
                                _result("OLD", "-") + _result("NEW", "")),
        "result_total_delete": ("BEFORE", "DELETE", "assessment_result", _result("OLD", "-")),
        "finding_total_insert": ("AFTER", "INSERT", "result_finding", _finding("NEW", "")),
        "finding_total_update": ("AFTER", "UPDATE OF assessment_id, rule", "result_finding",
                                 _finding("OLD", "-") + _finding("NEW", "")),
        "finding_total_delete": ("AFTER", "DELETE", "result_finding", _finding("OLD", "-")),
    }


def _create_triggers(dialect: str) -> None:
    for name, (timing, event, table, statements) in _triggers().items():
        body = "".join(f"  {s};\n" for s in statements)
        if dialect == "postgresql":
            # The row goes on: a BEFORE trigger that returned NULL would cancel the delete.
            row = "OLD" if event == "DELETE" else "NEW"
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                       f"BEGIN\n{body}  RETURN {row};\nEND;\n$$")
            op.execute(f"CREATE TRIGGER {name} {timing} {event} ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION {name}()")
        else:
            op.execute(f"CREATE TRIGGER {name} {timing} {event} ON {table}\n"
                       f"FOR EACH ROW BEGIN\n{body}END")


def _key_columns() -> list[sa.Column]:
    return [sa.Column(c, sa.String(length=n), nullable=False) for c, n in KEY.items()]


def _count_and_score(name: str) -> list[sa.Column]:
    return [sa.Column(f"{name}_n", sa.Integer(), nullable=False),
            sa.Column(f"{name}_score", sa.BigInteger(), nullable=False)]


def upgrade():
    counted = [c for name in _counted("r") for c in _count_and_score(name)]
    op.create_table('result_total',
    *_key_columns(),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('score', sa.BigInteger(), nullable=False),
    *counted,
    *(sa.Column(f"{d}_sum", sa.Float(), nullable=False) for d in DIMENSIONS),
    sa.PrimaryKeyConstraint(*KEY, name=op.f('pk_result_total'))
    )
    op.create_table('finding_total',
    *_key_columns(),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('score', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint(*KEY, 'rule', name=op.f('pk_finding_total'))
    )
    op.create_index('ix_finding_total_rule', 'finding_total',
                    ['rule', 'quarter', 'industry', 'region', 'size_band', 'n', 'score'],
                    unique=False)
    for statement in _backfill():
        op.execute(statement)
    _create_triggers(op.get_bind().dialect.name)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, (_timing, _event, table, _statements) in _triggers().items():
        op.execute(f"DROP TRIGGER {name} ON {table}" if postgresql else f"DROP TRIGGER {name}")
        if postgresql:
            op.execute(f"DROP FUNCTION {name}()")
    op.drop_index('ix_finding_total_rule', table_name='finding_total')
    op.drop_table('finding_total')
    op.drop_table('result_total')
