"""Python work on another core: a function run in a forked child process, its output back in a file.

Python runs one thread at a time, so half of the status rule runs in a fork: the child sees the
parent's memory as it was (a page is copied only when written; the rule's child works on Python dicts,
not on the store, which Oxigraph writes to even when reading it: D16), and writes what it produces
into a temporary file the parent reads when it needs it. Linux and macOS; where there is no fork the
caller does the work itself (`available()`).
"""

from __future__ import annotations

import os
import signal
import tempfile


class ForkFailed(Exception):
    """The child ended without finishing: its error in one line."""


def available() -> bool:
    return hasattr(os, "fork")


def die_with_parent() -> None:
    """Linux: have the kernel kill this process when its parent ends (a build that is killed must not
    leave its helper processes running). Elsewhere nothing happens."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError, TypeError):
        pass


class Forked:
    """`fn(out)` run in a forked child, writing its result into the binary file `out`.

    Fork with no other thread running in the caller (a thread holding a lock at the fork would hold it
    forever in the child)."""

    def __init__(self, fn):
        fd, self.path = tempfile.mkstemp(prefix="pactgraph-forked-")
        self.pid = os.fork()
        if self.pid == 0:  # the child: work, and end without running the parent's code
            code = 1
            try:
                die_with_parent()
                with os.fdopen(fd, "wb") as out:
                    try:
                        fn(out)
                        code = 0
                    except BaseException as err:  # noqa: BLE001 (said to the parent, which raises it)
                        out.seek(0)
                        out.truncate()
                        out.write(f"{type(err).__name__}: {err}".encode("utf-8", "replace"))
            finally:
                os._exit(code)
        os.close(fd)

    def result(self) -> bytes:
        """What the child wrote, once it has ended; ForkFailed with its error if it failed."""
        try:
            _, status = os.waitpid(self.pid, 0)
            self.pid = None
            with open(self.path, "rb") as f:
                data = f.read()
        finally:
            self._remove()
        if status != 0:
            message = data.decode("utf-8", "replace").strip() or f"the process ended with status {status}"
            raise ForkFailed(" ".join(message.split()))
        return data

    def kill(self) -> None:
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.pid = None
        self._remove()

    def _remove(self) -> None:
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
