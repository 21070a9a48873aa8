"""The agency dashboard's running totals: for each group of results its filters can tell apart
(industry, region, size band, quarter), every count and score sum the dashboard publishes, and
for each group and rule the firms with that finding.

They are kept by database triggers on ``assessment_result`` and ``result_finding`` (migration
0014), in the same transaction as the row that changes them, whoever writes it (a submission, the
retention purge, an import, plain SQL): a total is never older than the results it adds up, so
the dashboard reads them instead of scanning every result. A submitted result's scores never
change, but its group can (a corrected quarter), and the triggers move it.

A migration that rebuilds ``assessment_result`` or ``result_finding`` (SQLite's batch mode copies
a table and drops the old one, with its triggers) must create the triggers again; the tests that
compare the totals with the results fail otherwise.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, Integer, String, cast, func

from ..extensions import db
from .assessments import DIMENSION_COLUMNS

# The columns the dashboard filters on, in the totals' key. A result without an industry, region
# or size band is kept under "" (a key column cannot be NULL); no filter value is empty.
GROUP_COLUMNS = {"industry": 3, "region": 20, "size_band": 16, "quarter": 7}  # name: length
NO_VALUE = ""
LEVELS = (1, 2, 3, 4, 5)
SCORED = ("overall", *DIMENSION_COLUMNS)
BANDS = 5  # the score bands of each distribution (services.aggregates.BINS)
# Score sums in hundredths of a point, as whole numbers: every grouping of the same firms then
# adds up to exactly the same total, which the tables sharing N rely on.
SCALE = 100


def hundredths(overall):
    """A result's overall score in hundredths of a point, rounded by the database as the
    triggers round it (migration 0014), so that a sum of the same firms is the same wherever it
    is added up. Never Python's ``round()``: it takes a half to the even number, SQLite's
    ``round()`` away from zero (PostgreSQL's, on a double, to even)."""
    return cast(func.round(overall * SCALE), Integer)


def count_and_score(prefix: str) -> tuple[str, str]:
    """The names of a figure's firm count and its sum of overall scores in hundredths."""
    return f"{prefix}_n", f"{prefix}_score"


def level_figure(level: int) -> str:
    return f"level{level}"


def band_figure(column: str, band: int) -> str:
    return f"{column}_band{band}"


def unscored_figure(dimension: str) -> str:
    return f"{dimension}_unscored"


def dimension_sum(dimension: str) -> str:
    """The plain sum of a dimension's scores (for its mean), over the firms that have it."""
    return f"{dimension}_sum"


def counted_figures() -> list[str]:
    """Every (count, score sum) figure of ``result_total`` but the group's own."""
    return ([level_figure(lv) for lv in LEVELS]
            + [band_figure(c, b) for c in SCORED for b in range(BANDS)]
            + [unscored_figure(d) for d in DIMENSION_COLUMNS])  # fmt: skip


def _key() -> list[Column]:
    return [Column(name, String(length), primary_key=True)
            for name, length in GROUP_COLUMNS.items()]  # fmt: skip


def _count_and_score(prefix: str) -> list[Column]:
    count, score = count_and_score(prefix)
    return [Column(count, Integer, nullable=False), Column(score, BigInteger, nullable=False)]


result_total = db.Table(
    "result_total",
    *_key(),
    Column("n", Integer, nullable=False),
    Column("score", BigInteger, nullable=False),  # overall, in hundredths of a point
    *(c for figure in counted_figures() for c in _count_and_score(figure)),
    *(Column(dimension_sum(d), Float, nullable=False) for d in DIMENSION_COLUMNS),
)

finding_total = db.Table(
    "finding_total",
    *_key(),
    Column("rule", String(64), primary_key=True),
    Column("n", Integer, nullable=False),
    Column("score", BigInteger, nullable=False),
    # The dashboard's GROUP BY rule reads this index alone, in order, whatever the filter.
    Index("ix_finding_total_rule", "rule", "quarter", "industry", "region", "size_band", "n",
          "score"),
)  # fmt: skip


# Per questionnaire, a number that changes whenever its submitted results do (a result added,
# removed or changed), kept by triggers on ``assessment_result`` (migration 0016): what is
# counted from the results may be kept under it (the results page's peer benchmark).
results_version = db.Table(
    "results_version",
    Column("questionnaire_id", String(64), primary_key=True),
    Column("version", BigInteger, nullable=False),
)
