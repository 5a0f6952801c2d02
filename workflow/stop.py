"""A stop request (SIGTERM, Ctrl-C) that no library can lose.

The command line turns SIGTERM and SIGINT into :class:`KeyboardInterrupt`. Python runs a signal
handler wherever the main thread happens to be, and when that is inside a finaliser (``__del__``, a
weakref callback) or a C library's callback, the exception is printed as "Exception ignored" and the
run goes on. The handler therefore also records the request here, and :func:`workflow.steps.run`
checks it before it publishes anything: a stopped run never replaces the output folder.
"""

from __future__ import annotations

import threading

_REQUESTED = threading.Event()


def request_stop() -> None:
    """Record that the user asked the run to stop (called from the signal handler)."""
    _REQUESTED.set()


def clear_stop() -> None:
    """Forget an earlier request (at the start of a run in the same process)."""
    _REQUESTED.clear()


def stop_requested() -> bool:
    """Whether a stop was requested since the last :func:`clear_stop`."""
    return _REQUESTED.is_set()


def raise_if_stopped() -> None:
    """Raise :class:`KeyboardInterrupt` when a stop was requested.

    Raises
    ------
    KeyboardInterrupt
        A stop was requested (its first KeyboardInterrupt may have been swallowed by a library).
    """
    if _REQUESTED.is_set():
        raise KeyboardInterrupt


__all__ = ["clear_stop", "raise_if_stopped", "request_stop", "stop_requested"]
