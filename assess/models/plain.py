"""SELECTs run straight on the driver's connection, for the pages read most often.

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Select, exc
from sqlalchemy.pool import PoolProxiedConnection

# The connections that the reads of the current scope share, per engine (see shared_connection).
_held: ContextVar[dict[Engine, PoolProxiedConnection] | None] = ContextVar("plain_read_held",
                                                                          default=None)


@contextmanager
def shared_connection() -> Iterator[None]:
    """The reads inside share one pooled connection per engine, checked out (and pre-pinged) on
    the first of them and given back at the end; otherwise each read checks one out. A page that
    reads several rows saves a round trip to PostgreSQL per read after the first (the ping).
    Also a decorator (``@shared_connection()``), for a view whose reads all share one."""
    held: dict[Engine, PoolProxiedConnection] = {}
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
        for connection in held.values():
            connection.close()


@dataclass
class _Prepared:
    """A statement as one dialect runs it."""

    sql: str
    names: tuple[str, ...]  # its parameters, in the order a positional driver takes them
    positional: bool
    binders: dict[str, Callable | None]  # parameter → its type's converter to the driver's value
    fixed: dict[str, Any]  # the values the statement itself holds (``kind == "agency"``)
    # Read outside a transaction: one statement sees one snapshot anyway, and psycopg would
    # otherwise send BEGIN before it and ROLLBACK when the pool takes the connection back, two
    # more round trips to PostgreSQL than the read itself. (sqlite3 opens no transaction for a
    # SELECT, so it is left as it is.)
    autocommit: bool
    columns: list[Callable | None] | None = None  # each column's converter, once described


class PlainRead:
    """``statement``, a SELECT with named bound parameters, whose rows come back as named tuples
    of its columns (``row.answers``, as on SQLAlchemy's rows)."""

    def __init__(self, statement: Select, name: str = "Row") -> None:
        self.statement = statement
        self._columns = list(statement.selected_columns)
        self.row_type = namedtuple(name, [c.key for c in self._columns])  # noqa: PYI024
        self._by_dialect: dict[str, _Prepared] = {}

    def _prepared(self, engine: Engine) -> _Prepared:
        dialect = engine.dialect
        key = f"{dialect.name}+{dialect.driver}"
        prepared = self._by_dialect.get(key)
        if prepared is None:
            compiled = self.statement.compile(dialect=dialect)
            # Parameters by the names the SQL uses ("kind_1" for a value the statement holds).
            binds = {name: bind for bind, name in compiled.bind_names.items()}
            names = tuple(compiled.positiontup or ()) if dialect.positional else tuple(binds)
            binders = {name: binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                       for name in names}  # fmt: skip
            fixed = {name: value for name, value in compiled.params.items() if value is not None}
            prepared = self._by_dialect[key] = _Prepared(
                compiled.string, names, dialect.positional, binders, fixed,
                autocommit=dialect.name == "postgresql")
        return prepared

    def _converters(self, engine: Engine, prepared: _Prepared, cursor: Any) -> list:
        """Each column's converter, as SQLAlchemy picks it: by its type and the driver's type
        code of the column (made on the first read, once the driver has described the rows; the
        description is not asked for after that: psycopg builds it anew each time)."""
        if prepared.columns is None:
            dialect = engine.dialect
            prepared.columns = [c.type.dialect_impl(dialect).result_processor(dialect, d[1])
                                for c, d in zip(self._columns, cursor.description, strict=True)]
        return prepared.columns

    def _run(self, engine: Engine, params: dict[str, Any], many: bool) -> list[tuple]:
        prepared = self._prepared(engine)
        params = {**prepared.fixed, **params}
        converted = {name: (params[name] if bind is None or params[name] is None
                            else bind(params[name]))
                     for name, bind in prepared.binders.items()}  # fmt: skip
        values: Any = (tuple(converted[name] for name in prepared.names) if prepared.positional
                       else converted)  # fmt: skip
        driver_error = engine.dialect.loaded_dbapi.Error
        held = _held.get()
        connection = held.get(engine) if held is not None else None
        if connection is None:
            try:
                connection = engine.raw_connection()
            except driver_error as error:  # the database cannot be reached
                raise _wrapped(engine, None, None, error) from error
            if held is not None:
                held[engine] = connection
        try:
            if prepared.autocommit:
                engine.dialect.set_isolation_level(connection.dbapi_connection, "AUTOCOMMIT")
            cursor = connection.cursor()
            try:
                cursor.execute(prepared.sql, values)
                rows = cursor.fetchall() if many else cursor.fetchmany(2)
                converters = self._converters(engine, prepared, cursor) if rows else []
            except driver_error as error:
                if engine.dialect.is_disconnect(error, connection.dbapi_connection, cursor):
                    connection.invalidate(error)  # never handed out again
                    if held is not None:
                        del held[engine]  # the scope's next read checks out another
                        connection.close()
                raise _wrapped(engine, prepared.sql, values, error) from error
            finally:
                cursor.close()
        finally:
            if prepared.autocommit and connection.dbapi_connection is not None:
                engine.dialect.reset_isolation_level(connection.dbapi_connection)
            if held is None:
                connection.close()  # back to the pool, which rolls the read's transaction back
        make = self.row_type._make
        return [make(value if convert is None or value is None else convert(value)
                     for convert, value in zip(converters, row, strict=True))
                for row in rows]  # fmt: skip

    def one_or_none(self, engine: Engine, **params: Any) -> tuple | None:
        rows = self._run(engine, params, many=False)
        if len(rows) > 1:
            raise exc.MultipleResultsFound("Multiple rows were found when one or none was required")
        return rows[0] if rows else None

    def all(self, engine: Engine, **params: Any) -> list[tuple]:
        return self._run(engine, params, many=True)


def _wrapped(engine: Engine, sql: str | None, values: Any, error: Exception) -> exc.DBAPIError:
    """The driver's ``error`` as SQLAlchemy raises it (``OperationalError``…)."""
    return exc.DBAPIError.instance(sql, values, error, engine.dialect.loaded_dbapi.Error,
                                   hide_parameters=engine.hide_parameters,
                                   dialect=engine.dialect)  # fmt: skip
