"""Run some output jobs in one forked child process while this process runs the others.

A run writes tables, four or five maps and 700 village pages, each a pure function of the computed run
(some jobs first compute what only their maps need: the catchments, the scenarios); on a 2-core machine
two processes write them in less wall time than one. The child is a ``fork`` of the run (it shares every
computed table without copying or pickling them), writes its files into the same staging folder and sends
back only their paths and the step timings it set (or the exception that stopped it, raised again here).
The staging folder is published only after both succeeded (:func:`maps.outputs.staged_output`), so
the outputs stay atomic: a failure or an interruption in either process leaves the output folder as
it was. Without ``os.fork`` (Windows) every job runs here, in order.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import sys
from collections.abc import Callable, Collection, Mapping, MutableMapping
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

Job = Callable[[], list[Path]]


def _child(jobs: Mapping[str, Job], names: list[str], fd: int, sync: Mapping[str, Any] | None) -> None:
    """Run ``names``; write ``("ok", ({name: paths}, what the jobs added to sync))`` or ``("error", exception)``
    to ``fd``; never returns."""
    status = 1
    try:
        try:
            before = dict(sync or {})
            done = {k: jobs[k]() for k in names}
            added = {k: v for k, v in (sync or {}).items() if k not in before or before[k] is not v}
            payload = pickle.dumps(("ok", (done, added)))
            status = 0
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent, which raises it
            try:
                payload = pickle.dumps(("error", exc))
                pickle.loads(payload)  # must be re-creatable in the parent
            except Exception:  # noqa: BLE001
                payload = pickle.dumps(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
    finally:
        os._exit(status)


def _stop(pid: int) -> None:
    """End the child (it removes nothing: the staging folder is the parent's) and reap it."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)


def run_split(
    jobs: Mapping[str, Job],
    *,
    child: Collection[str] = (),
    sync: MutableMapping[str, Any] | None = None,
) -> dict[str, list[Path]]:
    """Run every job, those named in ``child`` in one forked process, the others here meanwhile.

    Each process runs its jobs in the order of ``jobs``; a job may compute what its own maps need
    first (and return no paths).

    Parameters
    ----------
    jobs
        ``{name: job}``; a job writes files and returns their paths.
    child
        Names of the jobs for the child process (empty, or no ``os.fork``: all run here in order).
    sync
        A small picklable mapping the child's jobs may add to (a run's step timings): the child sends
        back the items its jobs set and this process updates its own with them.

    Returns
    -------
    dict
        ``{name: paths}`` in the order of ``jobs``.

    Raises
    ------
    BaseException
        The first failure: this process's own, else the child's (the same exception, re-created here).
    """
    names = [k for k in jobs if k in child]
    if not names or not hasattr(os, "fork"):
        return {k: job() for k, job in jobs.items()}
    read_fd, write_fd = os.pipe()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child process (its work is checked through the files it writes)
        os.close(read_fd)
        _child(jobs, names, write_fd, sync)
    os.close(write_fd)
    try:
        out = {k: job() for k, job in jobs.items() if k not in names}
    except BaseException:
        os.close(read_fd)
        _stop(pid)
        raise
    try:  # waiting for the child: an interruption here (SIGTERM, Ctrl-C) must stop it too
        with os.fdopen(read_fd, "rb") as fh:
            data = fh.read()
    except BaseException:
        _stop(pid)
        raise
    _, status = os.waitpid(pid, 0)
    if not data:
        raise RuntimeError(f"the output process ended (status {status}) without a result")
    kind, value = pickle.loads(data)
    if kind == "error":
        raise value
    done, synced = value
    out.update(done)
    if sync is not None:
        sync.update(synced)
    return {k: out[k] for k in jobs}
