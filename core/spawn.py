"""git's processes, started without :mod:`subprocess`.

``import subprocess`` (with the ``threading``, ``selectors``, ``signal`` and ``locale`` it loads) costs 10-13 ms:
as much as a ``check`` of a 20,000-file repository spends reading the files git found. Where Python has
``os.posix_spawnp`` (Linux, macOS) a child is started with it, its output read from a pipe with ``os.read``;
elsewhere (Windows) :class:`subprocess.Popen` does it. Either way a :class:`Child` is all its callers see.
"""

from __future__ import annotations

import os
import time

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: git_start imports this before typing loads
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Iterator


def _inherited() -> list[int] | None:
    """The descriptors above 2 a spawned child would inherit; None where they cannot be listed (Popen then)."""
    for listing in ("/proc/self/fd", "/dev/fd"):
        try:
            names = os.listdir(listing)
        except OSError:
            continue
        found = []
        for name in names:
            if name.isdigit() and int(name) > 2:
                try:
                    if os.get_inheritable(int(name)):
                        found.append(int(name))
                except OSError:  # the listing's own descriptor, closed by now
                    continue
        return found
    return None


class TimedOut(Exception):
    """The child did not finish its answer in time."""


class Child:
    """A started command whose standard output is a pipe (standard error discarded, standard input inherited)."""

    def __init__(self, argv: list[str], *, spawn: bool = hasattr(os, "posix_spawnp")) -> None:
        self.returncode: int | None = None
        self._popen: subprocess.Popen[bytes] | None = None
        inherited = _inherited() if spawn else None
        if inherited is not None:
            read, write = os.pipe()  # both close in the child when it starts git (non-inheritable), but for dup2
            try:
                actions: list[tuple[int | str, ...]] = [
                    (os.POSIX_SPAWN_DUP2, write, 1),
                    (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
                    # what this process was handed (a pipe its parent waits on, a lock, a jobserver) is not git's:
                    # Popen closes it in the child too
                    *((os.POSIX_SPAWN_CLOSE, fd) for fd in inherited),
                ]
                # Python ignores SIGPIPE and SIGXFSZ; git must not (a closed pipe ends it), as Popen restores them
                from _signal import SIGPIPE, SIGXFSZ  # type: ignore[import-not-found]  # signal.py imports enum

                defaults = (SIGPIPE, SIGXFSZ)
                self.pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions, setsigdef=defaults)
            except BaseException:
                os.close(read)
                raise
            finally:
                os.close(write)
            self.output = read
        else:
            import subprocess

            self._popen = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            assert self._popen.stdout is not None
            self.pid, self.output = self._popen.pid, self._popen.stdout.fileno()

    def chunks(self) -> Iterator[bytes]:
        """The output as the child writes it; :meth:`wait` for its exit status once it is all read."""
        while chunk := os.read(self.output, 65536):
            yield chunk
        self._close()

    def read_all(self, timeout: float) -> bytes:
        """The whole output, then the exit status (in :attr:`returncode`); :class:`TimedOut` after ``timeout``."""
        if self._popen is not None:
            import subprocess

            try:
                out = self._popen.communicate(timeout=timeout)[0]
            except subprocess.TimeoutExpired as err:
                raise TimedOut(str(err)) from None
            self.returncode = self._popen.returncode
            return out
        import select

        poller = select.poll()  # not select.select: it refuses a descriptor numbered 1024 or more
        poller.register(self.output, select.POLLIN)
        deadline = time.monotonic() + timeout
        parts = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                raise TimedOut(f"git gave no answer in {timeout:g} seconds")
            chunk = os.read(self.output, 65536)
            if not chunk:
                break
            parts.append(chunk)
        self._close()
        self.wait()
        return b"".join(parts)

    def wait(self) -> int:
        if self.returncode is None:
            if self._popen is not None:
                self.returncode = self._popen.wait()
            else:
                self.returncode = self._reaped(0) or 0  # never None without WNOHANG
        return self.returncode

    def poll(self) -> int | None:
        if self.returncode is None:
            if self._popen is not None:
                self.returncode = self._popen.poll()
            else:
                self.returncode = self._reaped(os.WNOHANG)
        return self.returncode

    def _reaped(self, flags: int) -> int | None:
        """The child's exit status, None while it runs (with ``WNOHANG``). A child the system reaped itself (this
        process was started with SIGCHLD ignored, which exec passes on) is taken to have ended well, as
        subprocess takes it: its status is gone."""
        try:
            pid, status = os.waitpid(self.pid, flags)
        except ChildProcessError:
            return 0
        return os.waitstatus_to_exitcode(status) if pid else None

    def stop(self) -> None:
        """End the child if it still runs, and reap it (no answer is wanted any more)."""
        self._close()
        if self.poll() is None:
            if self._popen is not None:
                self._popen.kill()
            else:
                from _signal import SIGKILL

                os.kill(self.pid, SIGKILL)  # not reaped yet, so the pid is still the child's
        self.wait()

    def _close(self) -> None:
        """Let go of the output pipe (read to its end, or not wanted)."""
        if self._popen is not None:
            if self._popen.stdout is not None:
                self._popen.stdout.close()
        elif self.output >= 0:
            os.close(self.output)
        self.output = -1
