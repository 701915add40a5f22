"""A tiny engine-agnostic connection: DuckDB (file path) or PostgreSQL (``postgresql://`` URL).

SQL is written once with ``?`` placeholders and portable syntax; only binding and bulk inserts differ.
Queries come back as narrow pandas frames, ready for a Great Expectations pandas batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

Dialect = Literal["duckdb", "postgres"]


def is_postgres(warehouse: str) -> bool:
    """True when ``warehouse`` names a PostgreSQL database rather than a DuckDB file."""
    return warehouse.startswith(("postgresql://", "postgres://"))


class Connection:
    """One open warehouse connection. Reads auto-commit; writes go through :meth:`transaction`."""

    def __init__(self, raw: Any, dialect: Dialect) -> None:
        self.raw = raw
        self.dialect: Dialect = dialect

    def _sql(self, sql: str, params: Sequence[Any] | None) -> str:
        if self.dialect == "postgres" and params is not None:
            return sql.replace("%", "%%").replace("?", "%s")
        return sql

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        """Run one statement, discarding any result."""
        if self.dialect == "duckdb":
            self.raw.execute(sql, params or [])
            return
        with self.raw.cursor() as cur:
            cur.execute(self._sql(sql, params), params)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run a query and return its rows as tuples."""
        if self.dialect == "duckdb":
            return self.raw.execute(sql, params or []).fetchall()
        with self.raw.cursor() as cur:
            cur.execute(self._sql(sql, params), params)
            return cur.fetchall()

    def table_exists(self, table: str) -> bool:
        """Whether ``schema.table`` exists (a table or a view)."""
        schema, _, name = table.rpartition(".")
        rows = self.query(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, name],
        )
        return bool(rows[0][0])

    def query_df(self, sql: str) -> pd.DataFrame:
        """Run a query in the warehouse and return its (narrow) result as a pandas frame."""
        import pandas as pd

        if self.dialect == "duckdb":
            df = self.raw.execute(sql).df()
        else:
            with self.raw.cursor() as cur:
                cur.execute(sql)
                columns = [d[0] for d in cur.description]
                df = pd.DataFrame.from_records(cur.fetchall(), columns=columns)
        return df.reset_index(drop=True)

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Bulk-insert ``rows`` into ``table`` (set-based: a registered frame or ``execute_values``)."""
        if not rows:
            return
        cols = ", ".join(columns)
        if self.dialect == "duckdb":
            import pandas as pd

            frame = pd.DataFrame([tuple(r) for r in rows], columns=list(columns), dtype=object)
            self.raw.register("_dq_rows", frame)
            try:
                self.raw.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _dq_rows")
            finally:
                self.raw.unregister("_dq_rows")
            return
        from psycopg2.extras import execute_values

        with self.raw.cursor() as cur:
            execute_values(cur, f"INSERT INTO {table} ({cols}) VALUES %s", [tuple(r) for r in rows])

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """Everything inside commits together or not at all."""
        self.execute("BEGIN")
        try:
            yield self
        except BaseException:
            self.execute("ROLLBACK")
            raise
        self.execute("COMMIT")

    def close(self) -> None:
        """Close the underlying connection."""
        self.raw.close()


def _numeric_as_float(raw: Any) -> None:
    """Read PostgreSQL numerics as floats on this connection (as DuckDB frames do), not ``Decimal``."""
    from psycopg2.extensions import DECIMAL, new_type, register_type

    register_type(
        new_type(DECIMAL.values, "DQ_NUMERIC_FLOAT", lambda v, _: None if v is None else float(v)), raw
    )


def connect(warehouse: str, create: bool = False) -> Connection:
    """Open ``warehouse``: a ``postgresql://`` URL or a DuckDB file path.

    A missing DuckDB file is an error (checking an empty warehouse would only report errors) unless
    ``create`` is true.
    """
    if is_postgres(warehouse):
        import psycopg2

        raw = psycopg2.connect(warehouse)
        raw.autocommit = True  # a failed rule query must not abort the others; writes use BEGIN/COMMIT
        _numeric_as_float(raw)
        return Connection(raw, "postgres")
    import duckdb

    path = Path(warehouse)
    if not create and not path.exists():
        raise FileNotFoundError(
            f"DuckDB warehouse {path.resolve()} does not exist (set ONEFUNNEL_WAREHOUSE?)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    return Connection(duckdb.connect(warehouse), "duckdb")


@contextmanager
def connected(warehouse: str, create: bool = False) -> Iterator[Connection]:
    """``with connected(w) as conn:`` opens and always closes one connection."""
    conn = connect(warehouse, create)
    try:
        yield conn
    finally:
        conn.close()
