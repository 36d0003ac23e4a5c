"""Parts of an analysis computed in a forked child process, beside the rest.

Python runs one thread of Python code at a time, so the second core of a machine helps an
analysis only through compiled kernels that release the GIL (the sampled betweenness,
:func:`graphs.taktgeber.beside`) or through a second process. :class:`Forked` starts a child
with ``os.fork`` *before* the parent builds its graphs: the child shares only what exists
then (the parsed bundle), builds what it needs itself and sends each part back through a
pipe (pickled) as soon as it is done. Forking after the graphs are built was tried and
dropped: both processes then touch the same graph objects (reference counts), and copying
those pages cost as much as the child saved (benchmarks/RESULTS.md).

The child is an optimisation only: when it cannot start (no ``fork``, not Linux), fails or
dies, :meth:`Forked.get` returns None and the caller computes the part itself, so the
report is the same either way. A process running other Python threads (the development
server's analysis thread, ``make run``) does not fork at all: a lock another thread holds
at that moment would stay locked in the child for good.

The price: the child builds its own graphs (about 0.7 s of CPU at national scale) and
two busy processes slow each other on a shared machine, so a report costs more CPU in all
and less time. ``USE_FORK = False`` (``KN_ANALYSIS_FORK=0`` for the app) computes in line.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

log = logging.getLogger(__name__)

#: Set to False to compute everything in the calling process (tests compare both ways).
USE_FORK = sys.platform == "linux" and hasattr(os, "fork")

_ERROR, _END = "!error", "!end"


class Forked:
    """``parts(*args, **kwargs)``, a generator of ``(name, value)`` pairs, running in a
    forked child; :meth:`get` waits for a part. Use it as a context manager: leaving the
    block ends and reaps the child, also when the parent's own part failed and never asked
    for the rest."""

    def __init__(self, parts: Callable[..., Iterator[tuple[str, Any]]], *args: Any,
                 **kwargs: Any):
        self.pid: int | None = None
        self._pipe = None
        self._received: dict[str, Any] = {}
        #: CPU seconds the child used (sent at its end), or None
        self.cpu_s: float | None = None
        if not USE_FORK or threading.active_count() > 1:
            return
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError as exc:  # no memory for the page tables, process limit
            os.close(read)
            os.close(write)
            log.warning("analysis: no child process (%s); computing in line", exc)
            return
        if pid == 0:  # the child: compute, send, leave without running the parent's code
            try:
                os.close(read)
                _run_child(write, parts, args, kwargs)
            finally:
                os._exit(0)
        os.close(write)
        self.pid, self._pipe = pid, os.fdopen(read, "rb")

    def get(self, name: str) -> Any:
        """The part ``name`` from the child (waiting for it), or None when there is no
        child, it failed before sending the part (logged) or never makes it."""
        while name not in self._received and self._pipe is not None:
            try:
                found, value = pickle.load(self._pipe)
            except Exception as exc:  # noqa: BLE001 - the child died: compute in line
                log.warning("analysis: the child process ended early (%r); computing in "
                            "line", exc)
                self._reap()
                break
            if found == _ERROR:
                log.warning("analysis: the child process failed; computing in line\n%s",
                            value)
            elif found == _END:
                self.cpu_s = value
                self._reap()
            else:
                self._received[found] = value
        return self._received.pop(name, None)

    def _reap(self, *, stop: bool = False) -> None:
        """Close the pipe and wait for the child; ``stop`` ends it first (what it has not
        sent yet is no longer wanted)."""
        if self._pipe is not None:
            self._pipe.close()
            self._pipe = None
        if self.pid is not None:
            if stop:
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            os.waitpid(self.pid, 0)
            self.pid = None

    def __enter__(self) -> Forked:
        return self

    def __exit__(self, *exc) -> None:
        self._reap(stop=True)


def _run_child(write: int, parts, args, kwargs) -> None:
    start = time.process_time()
    with os.fdopen(write, "wb") as pipe:
        def send(name, value):
            pickle.dump((name, value), pipe, protocol=pickle.HIGHEST_PROTOCOL)
            pipe.flush()

        try:
            for name, value in parts(*args, **kwargs):
                send(name, value)
        except BrokenPipeError:  # the parent no longer listens
            return
        except BaseException:  # noqa: BLE001 - reported to the parent, which computes
            send(_ERROR, traceback.format_exc())
        send(_END, time.process_time() - start)
