"""Read rows out of files listed by dlt's filesystem resource: CSV, JSON lines and Parquet.

Each reader yields ``(line_number, row)`` with the row as a dict of strings or JSON values, so the source
can report the exact line of a malformed row. JSON lines are parsed with ``orjson`` (``json`` for what it
refuses); Parquet with ``pyarrow`` (installed with ``dlt[parquet]``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import orjson
from dlt.common.storages.fsspec_filesystem import FileItemDict


def normalise_header(name: str) -> str:
    """``"Campaign Name"`` -> ``"campaign_name"``: lower case, runs of non-alphanumerics become ``_``."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def file_format(file_name: str) -> str:
    lowered = file_name.lower()
    for suffix, fmt in ((".csv", "csv"), (".jsonl", "jsonl"), (".ndjson", "jsonl"), (".parquet", "parquet")):
        if lowered.endswith(suffix) or lowered.endswith(suffix + ".gz"):
            return fmt
    raise ValueError(f"{file_name}: unsupported file type (expected .csv, .jsonl, .ndjson or .parquet)")


def read_rows(item: FileItemDict) -> tuple[list[str], Iterator[tuple[int, Any]]]:
    """The file's columns (CSV/Parquet header; empty for JSON lines) and its rows with line numbers."""
    fmt = file_format(item["file_name"])
    if fmt == "csv":
        text = io.TextIOWrapper(item.open(mode="rb"), encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        header = next(reader, [])
        return [normalise_header(h) for h in header], _csv_rows(header, reader)
    if fmt == "jsonl":
        return [], _jsonl_rows(item)
    return _parquet_rows(item)


def _csv_rows(header: list[str], reader: Any) -> Iterator[tuple[int, Any]]:
    names = [normalise_header(h) for h in header]
    for values in reader:
        if not any(v.strip() for v in values):
            continue  # blank line
        row: dict[str, Any] = dict(zip(names, values, strict=False))
        if len(values) != len(names):
            row["__width__"] = len(values)  # the source quarantines it: the columns cannot be trusted
        yield reader.line_num, row


def _jsonl_rows(item: FileItemDict) -> Iterator[tuple[int, Any]]:
    with item.open(mode="rb") as fh:  # gzip-decompressed when the file is
        text = fh.read().decode("utf-8")
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield number, orjson.loads(line)
        except orjson.JSONDecodeError:
            try:  # what orjson refuses and json reads (integers over 64 bits)
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, {"__error__": f"invalid JSON: {exc.msg}", "__raw__": line.strip()[:1000]}


def _parquet_rows(item: FileItemDict) -> tuple[list[str], Iterator[tuple[int, Any]]]:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(f"{item['file_name']}: reading Parquet needs the pyarrow package") from exc
    table = pq.read_table(item.open(mode="rb"))
    names = [normalise_header(n) for n in table.column_names]
    rows = ({normalise_header(k): v for k, v in r.items()} for r in table.to_pylist())
    return names, ((n, r) for n, r in enumerate(rows, start=1))


def bucket_credentials(bucket_url: str, source_name: str, credentials: Any = None) -> Any:
    """Credentials for ``bucket_url``: the given ones, none for a local folder, else the ones dlt config
    holds for the bucket's protocol under ``sources.<source_name>.credentials`` (``SOURCES__AD_SPEND__
    CREDENTIALS__AWS_ACCESS_KEY_ID``...). Object storage needs dlt's extra for it (``dlt[s3]``, ``dlt[gs]``...).
    """
    from dlt.common.configuration import resolve_configuration
    from dlt.common.storages.configuration import FilesystemConfiguration

    if credentials is not None or FilesystemConfiguration.is_local_path(bucket_url):
        return credentials
    config = resolve_configuration(
        FilesystemConfiguration(bucket_url=bucket_url), sections=("sources", source_name)
    )
    return config.credentials
