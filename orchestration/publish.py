"""Publish the checked marts to a read-only target, atomically, so readers are never blocked.

DuckDB allows one writer per file, and a BI tool holding ``data/warehouse.duckdb`` open breaks the
nightly run. So BI tools never open the live warehouse: after a run whose error-severity checks pass,
the marts are copied to a target only readers use.

**DuckDB.** The ``marts`` schema is copied (tables and views, as tables) into a new, self-contained file
``<published dir>/marts-<UTC time>-<run id>.duckdb`` (checkpointed, no WAL, made read-only), then the
stable path ``<published dir>/marts.duckdb``, a relative symlink, is swapped to it with one
``rename(2)``. A reader opening the stable path gets the old file or the new one, never a partial
file and never a lock error (nobody writes either file after the swap); a reader that opened the old
file keeps reading it, even after it is pruned (Linux keeps an unlinked, open inode). The newest
``keep`` versions are kept, and older ones only once they are older than the grace period.

**PostgreSQL.** dbt builds ``marts`` in place (table by table) and the checks read it there, so BI
reads a separate schema, ``marts_published`` by default, refreshed in ONE transaction: for every mart,
``DELETE`` + ``INSERT ... SELECT`` from ``marts`` (``CREATE TABLE AS`` when new or when its columns
changed). Row versions are MVCC: each reader statement (or ``REPEATABLE READ`` transaction) sees every
table of the old run or every table of the new one, and readers' ``ACCESS SHARE`` locks never conflict
with ``DELETE``/``INSERT``. A swap by ``ALTER SCHEMA ... RENAME`` was rejected: a statement resolves
its tables one by one, so it could pair an old table with a new one, and dropping the old schema needs
``ACCESS EXCLUSIVE`` locks that wait for (or deadlock with) running readers. Only a mart whose columns
changed is dropped and recreated (a short exclusive lock on that table, bounded by ``lock_timeout``).

Either way the target holds ``_onefunnel_publish`` (in ``marts`` on DuckDB, in the published schema on
PostgreSQL): one row per published table with the run id, the publication time and its row count, so a
reader can prove it sees one complete run. A publish refuses to run when the latest data-quality run in
``marts.dq_results`` has a failed or unevaluable error-severity rule.

python -m orchestration.publish [--run-id ID] [--keep N] [--grace-minutes M] [--grant-reader [ROLE]]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestration import settings

SOURCE_SCHEMA = "marts"  # the schema dbt builds and the checks validate
MANIFEST_TABLE = "_onefunnel_publish"
STABLE_NAME = "marts.duckdb"
VERSION_PREFIX = "marts-"
DEFAULT_KEEP = 3
DEFAULT_GRACE_MINUTES = 60
DEFAULT_PG_PUBLISHED_SCHEMA = "marts_published"
DEFAULT_PG_LOCK_TIMEOUT = "10s"
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
MANIFEST_COLUMNS = "run_id, published_at, table_name, row_count, column_count"


class PublishError(Exception):
    """The marts were not published; the previous published version is untouched."""


class ChecksFailedError(PublishError):
    """The latest data-quality run has failed (or unevaluable) error-severity rules."""


@dataclass(frozen=True)
class PublishResult:
    run_id: str
    published_at: dt.datetime
    target: str  # the stable path (DuckDB) or the published schema (PostgreSQL)
    version: str  # the versioned file (DuckDB) or the schema again (PostgreSQL)
    row_counts: dict[str, int]
    seconds: float
    pruned: list[str] = field(default_factory=list)


# --- settings (read when asked for, never at import time) -------------------------------------------


def published_dir() -> Path:
    """``ONEFUNNEL_PUBLISHED_DIR``, default ``published/`` beside the DuckDB warehouse (data/published)."""
    value = os.environ.get("ONEFUNNEL_PUBLISHED_DIR", "").strip()
    if value:
        path = Path(value)
        return path if path.is_absolute() else settings.REPO_ROOT / path
    if settings.is_postgres():
        return settings.REPO_ROOT / "data" / "published"
    return Path(settings.warehouse()).parent / "published"


def keep_versions() -> int:
    """``ONEFUNNEL_PUBLISH_KEEP`` (default 3): published DuckDB files kept, the current one included."""
    value = int(os.environ.get("ONEFUNNEL_PUBLISH_KEEP", "").strip() or DEFAULT_KEEP)
    if value < 1:
        raise ValueError(f"ONEFUNNEL_PUBLISH_KEEP must be at least 1, got {value}")
    return value


def grace_minutes() -> float:
    """``ONEFUNNEL_PUBLISH_GRACE_MINUTES`` (default 60): no file younger than this is pruned, so a
    reader that just opened a version is never surprised (an open file stays readable anyway)."""
    value = float(os.environ.get("ONEFUNNEL_PUBLISH_GRACE_MINUTES", "").strip() or DEFAULT_GRACE_MINUTES)
    if value < 0:
        raise ValueError(f"ONEFUNNEL_PUBLISH_GRACE_MINUTES must not be negative, got {value}")
    return value


def pg_published_schema() -> str:
    """``ONEFUNNEL_PG_PUBLISHED_SCHEMA`` (default ``marts_published``): the schema BI reads on PostgreSQL."""
    return _identifier(
        os.environ.get("ONEFUNNEL_PG_PUBLISHED_SCHEMA", "").strip() or DEFAULT_PG_PUBLISHED_SCHEMA,
        "ONEFUNNEL_PG_PUBLISHED_SCHEMA",
    )


def pg_reader_role() -> str | None:
    """``ONEFUNNEL_PG_READER_ROLE``: when set, every PostgreSQL publish creates this role if missing and
    grants it read access to the published schema only (unset: no role is touched)."""
    value = os.environ.get("ONEFUNNEL_PG_READER_ROLE", "").strip()
    return _identifier(value, "ONEFUNNEL_PG_READER_ROLE") if value else None


def _identifier(value: str, what: str) -> str:
    if not _IDENTIFIER.match(value):
        raise ValueError(f"{what} must be a lower-case SQL identifier ([a-z_][a-z0-9_]*), got {value!r}")
    return value


def validate_run_id(run_id: str) -> str:
    if not _RUN_ID.match(run_id or ""):
        raise ValueError(f"run id must match {_RUN_ID.pattern} (it names files), got {run_id!r}")
    return run_id


def _now() -> dt.datetime:
    """Naive UTC, as the data-quality tables store their timestamps."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- the data-quality gate ---------------------------------------------------------------------------


def failed_error_rules(query: Any, run_id: str | None) -> tuple[str | None, list[str]]:
    """(data-quality run, its failed or unevaluable error-severity rules), from ``marts.dq_results``.

    The run is ``run_id`` when it wrote results (a Dagster run checks before it publishes), else the
    latest one. ``query(sql, params)`` returns rows. No results at all -> (None, []).
    """
    checked = None
    if run_id:
        rows = query("SELECT COUNT(*) FROM marts.dq_results WHERE run_id = ?", [run_id])
        checked = run_id if rows[0][0] else None
    if checked is None:
        rows = query(
            "SELECT run_id FROM marts.dq_results GROUP BY run_id ORDER BY MAX(run_at) DESC, run_id LIMIT 1",
            None,
        )
        if not rows:
            return None, []
        checked = rows[0][0]
    failing = query(
        "SELECT DISTINCT expectation FROM marts.dq_results WHERE run_id = ? AND severity = 'error' "
        "AND status IN ('failed', 'error') ORDER BY expectation",
        [checked],
    )
    return checked, [r[0] for r in failing]


def _gate(query: Any, tables: Sequence[str], run_id: str | None, allow_unchecked: bool) -> None:
    if "dq_results" not in tables:
        if allow_unchecked:
            return
        raise ChecksFailedError(
            "marts.dq_results does not exist: run the data-quality checks first "
            "(python -m data_quality), or publish with --allow-unchecked"
        )
    checked, failing = failed_error_rules(query, run_id)
    if checked is None and not allow_unchecked:
        raise ChecksFailedError("marts.dq_results holds no data-quality run: run the checks first")
    if failing:
        raise ChecksFailedError(
            f"data-quality run {checked} has {len(failing)} failed error-severity rule(s): "
            f"{', '.join(failing)}; the published marts are left as they were"
        )


# --- DuckDB ------------------------------------------------------------------------------------------


def publish_duckdb(
    warehouse: str,
    run_id: str,
    directory: Path,
    keep: int = DEFAULT_KEEP,
    grace: dt.timedelta = dt.timedelta(minutes=DEFAULT_GRACE_MINUTES),
    allow_unchecked: bool = False,
    log: Any = print,
) -> PublishResult:
    """Copy ``marts`` of the DuckDB ``warehouse`` into a new file and swap ``directory/marts.duckdb`` to it.

    The live warehouse is only read (attached read-only); it must not be open for writing elsewhere
    (the Dagster asset runs in the ``duckdb_writer`` pool).
    """
    import duckdb

    started = time.monotonic()
    validate_run_id(run_id)
    live = Path(warehouse)
    if not live.exists():
        raise PublishError(f"DuckDB warehouse {live} does not exist: nothing to publish")
    directory.mkdir(parents=True, exist_ok=True)
    published_at = _now()
    name = f"{VERSION_PREFIX}{published_at:%Y%m%dT%H%M%S%fZ}-{run_id}.duckdb"
    version = directory / name
    partial = directory / f".{name}.partial"
    _remove(partial, Path(f"{partial}.wal"))

    alias = live.stem  # dbt-duckdb's views name their catalog after the file stem
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"ATTACH {_literal(str(live))} AS {_q(alias)} (READ_ONLY)")
        rows = con.execute(
            "SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_catalog = ? AND table_schema = ? ORDER BY table_name",
            [alias, SOURCE_SCHEMA],
        ).fetchall()
        tables = [t for t, _ in rows if t != MANIFEST_TABLE]
        if not tables:
            raise PublishError(f"{live} has no {SOURCE_SCHEMA} tables: build the dbt project first")

        def query(sql: str, params: Sequence[Any] | None) -> list[tuple[Any, ...]]:
            return con.execute(
                sql.replace("marts.dq_results", f"{_q(alias)}.marts.dq_results"), params or []
            ).fetchall()

        _gate(query, tables, run_id, allow_unchecked)
        log(f"publish: copying {len(tables)} tables of {SOURCE_SCHEMA} into {version.name}")
        con.execute(f"ATTACH {_literal(str(partial))} AS onefunnel_publish_target")
        target = f"onefunnel_publish_target.{SOURCE_SCHEMA}"
        con.execute("BEGIN")  # one commit (one WAL sync) for the whole copy
        con.execute(f"CREATE SCHEMA {target}")
        counts: dict[str, int] = {}
        manifest = []
        for table in tables:
            con.execute(
                f"CREATE TABLE {target}.{_q(table)} AS SELECT * FROM {_q(alias)}.{SOURCE_SCHEMA}.{_q(table)}"
            )
            copied = con.execute(f"SELECT COUNT(*) FROM {target}.{_q(table)}").fetchone()[0]
            source = con.execute(f"SELECT COUNT(*) FROM {_q(alias)}.{SOURCE_SCHEMA}.{_q(table)}").fetchone()[
                0
            ]
            if copied != source:  # cannot happen on a read-only source; cheap to prove
                raise PublishError(f"{table}: copied {copied} rows of {source}")
            columns = len(con.execute(f"DESCRIBE {target}.{_q(table)}").fetchall())
            counts[table] = int(copied)
            manifest.append((run_id, published_at, table, int(copied), columns))
        con.execute(
            f"CREATE TABLE {target}.{MANIFEST_TABLE} (run_id VARCHAR NOT NULL, published_at TIMESTAMP NOT NULL, "
            "table_name VARCHAR NOT NULL, row_count BIGINT NOT NULL, column_count INTEGER NOT NULL)"
        )
        con.executemany(f"INSERT INTO {target}.{MANIFEST_TABLE} VALUES (?, ?, ?, ?, ?)", manifest)
        con.execute("COMMIT")
        con.execute("CHECKPOINT onefunnel_publish_target")
        con.execute("DETACH onefunnel_publish_target")
    except BaseException:
        con.close()
        _remove(partial, Path(f"{partial}.wal"))
        raise
    con.close()

    # the file must be self-contained: a WAL would be looked for beside the stable path, not this one
    if Path(f"{partial}.wal").exists():
        _remove(partial, Path(f"{partial}.wal"))
        raise PublishError(f"{partial.name} kept a WAL after CHECKPOINT; not published")
    _verify(partial, counts)
    partial.chmod(0o444)
    _fsync(partial)
    os.replace(partial, version)
    stable = directory / STABLE_NAME
    stale_wal = Path(f"{stable}.wal")
    if stale_wal.exists():  # someone opened a published file for writing: never replay it on a new version
        log(f"publish: removing {stale_wal.name} (a write to a published file; open it read-only)")
        stale_wal.unlink()
    swap = directory / f".{STABLE_NAME}.{os.getpid()}.swap"
    _remove(swap)
    os.symlink(version.name, swap)
    os.replace(swap, stable)  # rename(2): readers see the old link or the new one
    _fsync_dir(directory)
    pruned = prune(directory, keep=keep, grace=grace)
    seconds = time.monotonic() - started
    log(
        f"publish: {stable} -> {version.name} ({sum(counts.values()):,} rows in {len(counts)} tables, "
        f"{seconds:.1f}s)" + (f"; pruned {', '.join(pruned)}" if pruned else "")
    )
    return PublishResult(run_id, published_at, str(stable), str(version), counts, seconds, pruned)


def _verify(path: Path, counts: dict[str, int]) -> None:
    """Reopen the new file read-only, as a reader will, and compare every count with the manifest."""
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        recorded = dict(
            con.execute(f"SELECT table_name, row_count FROM {SOURCE_SCHEMA}.{MANIFEST_TABLE}").fetchall()
        )
        actual = {
            t: con.execute(f"SELECT COUNT(*) FROM {SOURCE_SCHEMA}.{_q(t)}").fetchone()[0] for t in counts
        }
    if recorded != counts or actual != counts:
        raise PublishError(f"{path.name}: the copy does not match its manifest; not published")


def current_version(directory: Path) -> Path | None:
    """The versioned file the stable path points at (None before the first publish)."""
    stable = directory / STABLE_NAME
    if not stable.is_symlink():
        return stable if stable.exists() else None
    return directory / os.readlink(stable)


def prune(directory: Path, keep: int, grace: dt.timedelta) -> list[str]:
    """Delete published versions beyond the newest ``keep`` (the current one always stays) that are
    older than ``grace``. Readers still holding a deleted file keep reading it."""
    current = current_version(directory)
    versions = sorted(directory.glob(f"{VERSION_PREFIX}*.duckdb"), key=lambda p: p.name, reverse=True)
    cutoff = time.time() - grace.total_seconds()
    pruned = []
    for path in versions[keep:]:
        if current is not None and path.name == current.name:
            continue
        if path.stat().st_mtime > cutoff:
            continue
        _remove(path, Path(f"{path}.wal"))
        pruned.append(path.name)
    return pruned


def read_manifest(path: Path) -> list[tuple[str, dt.datetime, str, int, int]]:
    """The ``_onefunnel_publish`` rows of a published DuckDB file."""
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            f"SELECT {MANIFEST_COLUMNS} FROM {SOURCE_SCHEMA}.{MANIFEST_TABLE} ORDER BY table_name"
        ).fetchall()


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _remove(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            if path.exists() and not os.access(path, os.W_OK):
                path.chmod(0o644)
            path.unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem syncs directories
        _fsync(directory)


# --- PostgreSQL --------------------------------------------------------------------------------------


def publish_postgres(
    warehouse: str,
    run_id: str,
    schema: str = DEFAULT_PG_PUBLISHED_SCHEMA,
    reader_role: str | None = None,
    allow_unchecked: bool = False,
    lock_timeout: str = DEFAULT_PG_LOCK_TIMEOUT,
    log: Any = print,
) -> PublishResult:
    """Refresh ``schema`` from ``marts`` in one transaction (see the module docstring for why)."""
    import psycopg2

    started = time.monotonic()
    validate_run_id(run_id)
    _identifier(schema, "published schema")
    if schema == SOURCE_SCHEMA:
        raise ValueError(
            f"the published schema must differ from {SOURCE_SCHEMA}, which dbt rebuilds in place"
        )
    con = psycopg2.connect(warehouse)
    try:
        con.autocommit = False
        with con.cursor() as cur:

            def query(sql: str, params: Sequence[Any] | None) -> list[tuple[Any, ...]]:
                cur.execute(sql.replace("?", "%s"), params)
                return cur.fetchall()

            tables = [
                r[0]
                for r in query(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
                    "ORDER BY table_name",
                    [SOURCE_SCHEMA],
                )
            ]
            if not tables:
                raise PublishError(
                    f"the warehouse has no {SOURCE_SCHEMA} tables: build the dbt project first"
                )
            _gate(query, tables, run_id, allow_unchecked)
            con.rollback()  # the gate's snapshot is not the copy's
            log(
                f"publish: refreshing {len(tables)} tables of {schema} from {SOURCE_SCHEMA} in one transaction"
            )
            cur.execute("SET LOCAL lock_timeout = %s", (lock_timeout,))
            cur.execute("SELECT now() AT TIME ZONE 'UTC'")
            published_at = cur.fetchone()[0].replace(microsecond=0)
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(schema)}")
            existing = set(
                query(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
                    "AND table_type = 'BASE TABLE'",
                    [schema],
                )
            )
            existing_names = {r[0] for r in existing}
            counts: dict[str, int] = {}
            manifest = []
            for table in tables:
                source = f"{_q(SOURCE_SCHEMA)}.{_q(table)}"
                target = f"{_q(schema)}.{_q(table)}"
                columns = _pg_columns(cur, SOURCE_SCHEMA, table)
                if table in existing_names and _pg_columns(cur, schema, table) == columns:
                    names = ", ".join(_q(c) for c, _ in columns)
                    cur.execute(f"DELETE FROM {target}")
                    cur.execute(f"INSERT INTO {target} ({names}) SELECT {names} FROM {source}")
                else:
                    cur.execute(f"DROP TABLE IF EXISTS {target}")
                    cur.execute(f"CREATE TABLE {target} AS SELECT * FROM {source}")
                cur.execute(f"SELECT COUNT(*) FROM {target}")
                counts[table] = int(cur.fetchone()[0])
                manifest.append((run_id, published_at, table, counts[table], len(columns)))
            for (gone,) in existing:
                if gone not in counts and gone != MANIFEST_TABLE:
                    cur.execute(f"DROP TABLE {_q(schema)}.{_q(gone)}")
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {_q(schema)}.{MANIFEST_TABLE} (run_id VARCHAR(64) NOT NULL, "
                "published_at TIMESTAMP NOT NULL, table_name VARCHAR(256) NOT NULL, row_count BIGINT NOT NULL, "
                "column_count INTEGER NOT NULL)"
            )
            cur.execute(f"DELETE FROM {_q(schema)}.{MANIFEST_TABLE}")
            cur.executemany(
                f"INSERT INTO {_q(schema)}.{MANIFEST_TABLE} ({MANIFEST_COLUMNS}) VALUES (%s, %s, %s, %s, %s)",
                manifest,
            )
            if reader_role:
                _grant_reader(cur, reader_role, schema)
        con.commit()
        con.autocommit = True
        with con.cursor() as cur:  # fresh planner statistics; ANALYZE never blocks readers
            for table in counts:
                cur.execute(f"ANALYZE {_q(schema)}.{_q(table)}")
    except psycopg2.Error as exc:
        con.rollback()
        raise PublishError(f"publish to {schema} failed and was rolled back: {exc}".strip()) from exc
    except BaseException:
        con.rollback()
        raise
    finally:
        con.close()
    seconds = time.monotonic() - started
    log(
        f"publish: {schema} now holds run {run_id} ({sum(counts.values()):,} rows in {len(counts)} tables, "
        f"{seconds:.1f}s)" + (f"; readable by role {reader_role}" if reader_role else "")
    )
    return PublishResult(run_id, published_at, schema, schema, counts, seconds)


def _pg_columns(cur: Any, schema: str, table: str) -> list[tuple[str, str]]:
    """(name, exact type) of each column, in order."""
    cur.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (schema, table),
    )
    return [(r[0], r[1]) for r in cur.fetchall()]


def _grant_reader(cur: Any, role: str, schema: str) -> None:
    """Create ``role`` if missing and let it read ``schema`` (current and future tables) and nothing else
    this project creates. Idempotent; runs inside the publish transaction."""
    _identifier(role, "reader role")
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
    if cur.fetchone() is None:
        # LOGIN without a password: BI users are granted the role, or a DBA sets its password
        cur.execute(f"CREATE ROLE {_q(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
    cur.execute("SELECT current_database()")
    database = cur.fetchone()[0]
    cur.execute(f"GRANT CONNECT ON DATABASE {_q(database)} TO {_q(role)}")
    cur.execute(f"GRANT USAGE ON SCHEMA {_q(schema)} TO {_q(role)}")
    cur.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {_q(schema)} TO {_q(role)}")
    cur.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {_q(schema)} GRANT SELECT ON TABLES TO {_q(role)}")
    # its sessions are read-only and find the marts without a schema prefix
    cur.execute(f"ALTER ROLE {_q(role)} IN DATABASE {_q(database)} SET default_transaction_read_only = on")
    cur.execute(f"ALTER ROLE {_q(role)} IN DATABASE {_q(database)} SET search_path = {_q(schema)}")


def grant_reader(warehouse: str, role: str, schema: str = DEFAULT_PG_PUBLISHED_SCHEMA) -> None:
    """Create/grant the reader role alone (``--grant-reader``), e.g. before the first nightly run."""
    import psycopg2

    with contextlib.closing(psycopg2.connect(warehouse)) as con, con, con.cursor() as cur:
        cur.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(_identifier(schema, 'published schema'))}")
        _grant_reader(cur, role, schema)


# --- entry points ------------------------------------------------------------------------------------


def publish(
    run_id: str,
    warehouse: str | None = None,
    allow_unchecked: bool = False,
    log: Any = print,
) -> PublishResult:
    """Publish the marts of ``warehouse`` (default ``ONEFUNNEL_WAREHOUSE``) with the environment's settings."""
    warehouse = warehouse or settings.warehouse()
    if settings.is_postgres(warehouse):
        return publish_postgres(
            warehouse,
            run_id,
            schema=pg_published_schema(),
            reader_role=pg_reader_role(),
            allow_unchecked=allow_unchecked,
            log=log,
        )
    return publish_duckdb(
        warehouse,
        run_id,
        published_dir(),
        keep=keep_versions(),
        grace=dt.timedelta(minutes=grace_minutes()),
        allow_unchecked=allow_unchecked,
        log=log,
    )


@contextlib.contextmanager
def _stderr_errors() -> Iterator[None]:
    try:
        yield
    except (PublishError, ValueError) as exc:
        print(f"publish: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(1) from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Publish the checked marts to the read-only target BI tools query.",
        epilog="Settings: ONEFUNNEL_WAREHOUSE, ONEFUNNEL_PUBLISHED_DIR, ONEFUNNEL_PUBLISH_KEEP, "
        "ONEFUNNEL_PUBLISH_GRACE_MINUTES, ONEFUNNEL_PG_PUBLISHED_SCHEMA, ONEFUNNEL_PG_READER_ROLE.",
    )
    parser.add_argument("--run-id", help="names the version (default: manual-<UTC time>)")
    parser.add_argument(
        "--allow-unchecked",
        action="store_true",
        help="publish even when marts.dq_results holds no data-quality run (never over failed rules)",
    )
    parser.add_argument(
        "--grant-reader",
        nargs="?",
        const="",
        metavar="ROLE",
        help="PostgreSQL: create/grant the read-only role (default ONEFUNNEL_PG_READER_ROLE or "
        "onefunnel_reader) and exit",
    )
    args = parser.parse_args(argv)
    with _stderr_errors():
        warehouse = settings.warehouse()
        if args.grant_reader is not None:
            if not settings.is_postgres(warehouse):
                raise PublishError("--grant-reader needs a PostgreSQL warehouse (ONEFUNNEL_WAREHOUSE)")
            role = args.grant_reader or pg_reader_role() or "onefunnel_reader"
            grant_reader(warehouse, _identifier(role, "reader role"), pg_published_schema())
            print(f"publish: role {role} can read schema {pg_published_schema()} (and nothing else)")
            return 0
        run_id = args.run_id or f"manual-{_now():%Y%m%dT%H%M%SZ}"
        publish(run_id, warehouse, allow_unchecked=args.allow_unchecked)
    return 0


if __name__ == "__main__":
    sys.exit(main())
