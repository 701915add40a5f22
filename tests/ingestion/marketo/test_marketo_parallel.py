"""Call sequences in worker threads: every item arrives once and in order per sequence, the first error is
raised in the consumer as itself, and a consumer that stops early leaves no worker running."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from ingestion.marketo.parallel import run_parallel


def _stream(name: str, n: int) -> Iterator[str]:
    for i in range(n):
        yield f"{name}{i}"


def test_every_item_once_in_order_per_stream() -> None:
    streams = [
        lambda name=name, n=n: _stream(name, n) for name, n in (("a", 50), ("b", 0), ("c", 7), ("d", 31))
    ]
    got: dict[int, list[str]] = {}
    for index, item in run_parallel(streams, workers=3, buffer=2):
        got.setdefault(index, []).append(item)
    assert got == {
        0: [f"a{i}" for i in range(50)],
        2: [f"c{i}" for i in range(7)],
        3: [f"d{i}" for i in range(31)],
    }


class QuotaGone(Exception):
    pass


def test_the_first_error_is_raised_in_the_consumer() -> None:
    def failing() -> Iterator[str]:
        yield "x"
        raise QuotaGone("607 on /rest/v1/leads.json")

    def endless() -> Iterator[str]:
        while True:
            time.sleep(0.001)
            yield "y"

    before = threading.active_count()
    with pytest.raises(QuotaGone, match="607"):
        for _ in run_parallel([failing, endless], workers=2, buffer=4):
            pass
    time.sleep(0.3)
    assert threading.active_count() == before  # the endless worker stopped too


def test_closing_the_consumer_stops_the_workers() -> None:
    def endless() -> Iterator[int]:
        i = 0
        while True:
            i += 1
            yield i

    before = threading.active_count()
    items = run_parallel([endless, endless], workers=2, buffer=2)
    assert next(items)[1] == 1
    items.close()
    assert threading.active_count() == before
