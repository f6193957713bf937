"""Run a scan's tasks on every core: this process and ``workers - 1`` children.

Why not :class:`multiprocessing.pool.Pool`: a pool keeps this process busy feeding
tasks and unpickling results in two threads while its workers scan, so on a
two-core machine three processes share two cores (measured: 1.3x faster than one
process, where this module's way gives 1.85x). Here every participant, this process
included, takes the next tasks from one shared counter (largest first, in the order
given), keeps its results, and each child sends them back once, at its end.

A child that dies (killed, out of memory) loses nothing: the tasks it took and did not
return are run here afterwards. A child whose task raises stops there and returns what
it did; the task is run again here, and its exception is raised here, once, as if there
had been no children. Children are always stopped and joined, on
an interrupt too.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

# Tasks are taken one at a time at first (the largest, where balance matters), then
# in batches (the small ones, where the shared counter's lock would cost).
_SINGLE_FIRST = 64
_BATCH = 16


def _claim(counter: Any, total: int) -> range:
    with counter.get_lock():
        start = counter.value
        size = 1 if start < _SINGLE_FIRST else _BATCH
        counter.value = start + size
    return range(min(start, total), min(start + size, total))


def _take_all(
    counter: Any, order: Sequence[int], run: Callable[[int], Any], done: list[tuple[int, Any]]
) -> list[tuple[int, Any]]:
    """Take tasks until none is left, appending (index, result) to ``done``."""
    while True:
        claimed = _claim(counter, len(order))
        if not claimed:
            return done
        for k in claimed:
            done.append((order[k], run(order[k])))


def _child(
    counter: Any,
    conn: Connection,
    order: Sequence[int],
    tasks: Sequence[Any],
    fn: Callable[[Any], Any],
    initializer: Callable[..., None],
    initargs: tuple[Any, ...],
) -> None:
    done: list[tuple[int, Any]] = []
    try:
        initializer(*initargs)
        _take_all(counter, order, lambda i: fn(tasks[i]), done)
    except Exception:  # noqa: S110 - the parent runs that task again, and raises it
        pass  # there, once (no traceback of ours on stderr, whose message might quote a file)
    conn.send_bytes(pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL))
    conn.close()


def run_shared(
    tasks: Sequence[Any],
    *,
    workers: int,
    local: Callable[[Any], Any],
    fn: Callable[[Any], Any],
    initializer: Callable[..., None],
    initargs: tuple[Any, ...] = (),
    order: Sequence[int] | None = None,
) -> list[Any]:
    """``local(task)`` (here) or ``fn(task)`` (in a child, after ``initializer``) for each
    of ``tasks``, results in task order. ``fn`` and ``initializer`` are module-level
    functions (a child may be a fresh interpreter); ``order``: which tasks to take first
    (default: as given)."""
    import multiprocessing  # here: a pre-commit hook's few files never need it

    order = list(range(len(tasks))) if order is None else list(order)
    # fork is cheap and safe with one thread; otherwise a fresh interpreter.
    method = "fork" if threading.active_count() == 1 and os.name == "posix" else "spawn"
    context = multiprocessing.get_context(method)
    counter = context.Value("q", 0)
    children: list[tuple[Any, Connection]] = []
    results: dict[int, Any] = {}
    try:
        for _ in range(max(0, workers - 1)):
            receive, send = context.Pipe(duplex=False)
            child = context.Process(
                target=_child,
                args=(counter, send, order, tasks, fn, initializer, initargs),
                daemon=True,
            )
            child.start()
            send.close()
            children.append((child, receive))
        results.update(_take_all(counter, order, lambda i: local(tasks[i]), []))
        for child, receive in children:
            with suppress(EOFError, OSError):  # died: what it took is run below
                # S301: our own child's results, over a pipe only it and we hold.
                results.update(pickle.loads(receive.recv_bytes()))  # noqa: S301  # nosec B301 - our own child's results
            child.join()
    finally:
        for child, receive in children:
            receive.close()
            if child.is_alive():
                child.terminate()
            child.join()
    for i in range(len(tasks)):
        if i not in results:
            results[i] = local(tasks[i])
    return [results[i] for i in range(len(tasks))]
