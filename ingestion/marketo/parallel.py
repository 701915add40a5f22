"""Run independent Marketo call sequences in worker threads and hand their items to one consumer.

Marketo allows 10 concurrent calls per subscription (error 615 beyond; ``helpers`` retries it), so the
source runs at most ``settings.MAX_PARALLEL_CALLS`` call sequences at once: the activity type chunks and
the deleted leads (each its own paging token), then the lead batches. Workers only call the API and build
Arrow tables; the consumer (the dlt resource, in dlt's thread) yields them and keeps every piece of state.
The first error of any worker stops the others and is raised in the consumer, as the error itself.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

_DONE = object()


class _Stopped(Exception):
    """The consumer went away (an error elsewhere, or the generator was closed): the worker ends quietly."""


def run_parallel(
    streams: Iterable[Callable[[], Iterable[Any]]], workers: int, buffer: int = 8
) -> Iterator[tuple[int, Any]]:
    """``(stream index, item)`` for every item of every stream, streams running in ``workers`` threads.

    Items of one stream arrive in order; streams interleave. At most ``buffer`` items wait for the
    consumer (backpressure: workers block rather than hold the whole extract in memory).
    """
    pending = list(enumerate(streams))
    if not pending:
        return
    out: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=max(1, buffer))
    stop = threading.Event()
    todo = queue.SimpleQueue[tuple[int, Callable[[], Iterable[Any]]]]()
    for entry in pending:
        todo.put(entry)

    def put(entry: tuple[int, Any]) -> None:
        while not stop.is_set():
            try:
                out.put(entry, timeout=0.1)
                return
            except queue.Full:
                continue
        raise _Stopped

    def work() -> None:
        try:
            while not stop.is_set():
                try:
                    index, stream = todo.get_nowait()
                except queue.Empty:
                    return
                for item in stream():
                    if stop.is_set():
                        raise _Stopped
                    put((index, item))
        except _Stopped:
            return
        except BaseException as e:  # handed to the consumer, which raises it
            stop.set()
            with contextlib.suppress(queue.Full):
                out.put((-1, e), timeout=5)
            return
        finally:
            with contextlib.suppress(queue.Full):
                out.put((-2, _DONE), timeout=5)

    count = min(max(1, workers), len(pending))
    threads = [threading.Thread(target=work, name=f"marketo-call-{i}", daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    alive = count
    error: BaseException | None = None
    try:
        while alive:
            index, item = out.get()
            if index == -2:
                alive -= 1
            elif index == -1:
                error = item
                break
            else:
                yield index, item
    finally:
        stop.set()
        while any(t.is_alive() for t in threads):  # drain so no worker stays blocked on a full queue
            try:
                entry = out.get(timeout=0.1)
                if entry[0] == -1 and error is None:
                    error = entry[1]
            except queue.Empty:
                pass
    if error is not None:
        raise error
