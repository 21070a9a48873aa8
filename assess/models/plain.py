"""A SELECT of one row run straight on the driver's connection, for the pages read most often.

Showing a question page reads one assessment row by its token hash. Through SQLAlchemy's
``Connection`` that read cost about a tenth of the page's time (making the connection object,
the execution context, the result object), against a few microseconds for the driver's own
execute. ``PlainRead`` keeps what SQLAlchemy's read does and drops its per-call set-up: the
statement is compiled by SQLAlchemy once per dialect, the connection comes from the same pool
(its connect events, pre-ping and reset on return apply), each column is converted by its
type's own result processor (JSON decoded, SQLite's datetimes parsed), and a driver error is
raised as SQLAlchemy's (``OperationalError`` shows the "unavailable" page), with a broken
connection thrown away rather than returned to the pool. Statement parameters stay hidden
from error messages as the engine's ``hide_parameters`` says.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from sqlalchemy import Engine, Select, exc


class PlainRead:
    """``statement`` (a SELECT of table columns, with named bound parameters) returning at most
    one row, as a named tuple of its columns."""

    def __init__(self, statement: Select, name: str = "Row") -> None:
        self.statement = statement
        columns = list(statement.selected_columns)
        self.row_type = namedtuple(name, [c.key for c in columns])  # noqa: PYI024
        self._columns = columns
        # per dialect: the SQL, the order of its positional parameters, the columns' converters
        self._by_dialect: dict[str, tuple[str, tuple[str, ...] | None, list | None]] = {}

    def _compiled(self, engine: Engine) -> tuple[str, tuple[str, ...] | None, list | None]:
        dialect = engine.dialect
        key = f"{dialect.name}+{dialect.driver}"
        prepared = self._by_dialect.get(key)
        if prepared is None:
            compiled = self.statement.compile(dialect=dialect)
            order = tuple(compiled.positiontup or ()) if dialect.positional else None
            prepared = self._by_dialect[key] = (compiled.string, order, None)
        return prepared

    def _processors(self, engine: Engine, description) -> list:
        """Each column's converter, as SQLAlchemy picks it: by its type and the driver's type
        code of the column (made on the first read, once the driver has described the row)."""
        dialect = engine.dialect
        key = f"{dialect.name}+{dialect.driver}"
        sql, order, _ = self._by_dialect[key]
        processors = [c.type.dialect_impl(dialect).result_processor(dialect, d[1])
                      for c, d in zip(self._columns, description, strict=True)]  # fmt: skip
        self._by_dialect[key] = (sql, order, processors)
        return processors

    def one_or_none(self, engine: Engine, **params: Any) -> tuple | None:
        sql, order, processors = self._compiled(engine)
        values: Any = tuple(params[name] for name in order) if order is not None else params
        driver_error = engine.dialect.loaded_dbapi.Error
        try:
            connection = engine.raw_connection()
        except driver_error as error:  # the database cannot be reached
            raise _wrapped(engine, None, None, error) from error
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(sql, values)
                raw = cursor.fetchone()
                extra = cursor.fetchone() if raw is not None else None
                if raw is not None and processors is None:
                    processors = self._processors(engine, cursor.description)
            except driver_error as error:
                if engine.dialect.is_disconnect(error, connection.dbapi_connection, cursor):
                    connection.invalidate(error)  # never handed out again
                raise _wrapped(engine, sql, values, error) from error
            finally:
                cursor.close()
        finally:
            connection.close()  # back to the pool, which rolls the read's transaction back
        if extra is not None:
            raise exc.MultipleResultsFound("Multiple rows were found when one or none was required")
        if raw is None:
            return None
        return self.row_type._make(
            value if process is None or value is None else process(value)
            for process, value in zip(processors, raw, strict=True)
        )


def _wrapped(engine: Engine, sql: str | None, values: Any, error: Exception) -> exc.DBAPIError:
    """The driver's ``error`` as SQLAlchemy raises it (``OperationalError``…)."""
    return exc.DBAPIError.instance(sql, values, error, engine.dialect.loaded_dbapi.Error,
                                   hide_parameters=engine.hide_parameters,
                                   dialect=engine.dialect)  # fmt: skip
