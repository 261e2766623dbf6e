"""Who may act with the owner's Infisical login through a language server that listens on TCP.

Any account on the machine can connect to a TCP port, so a TCP client gets only what needs no credentials
(diagnostics, offline completion, hovers without coverage) unless it presents the secret this process wrote
at start into a file only its owner can read (0600, in a 0700 folder): ``initializationOptions.tcpSecret``.
Stdio needs none of this: its one client is the program that started the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import secrets
import stat
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pygls.io_ import run_async
from pygls.server import JsonRPCServer

log = logging.getLogger(__name__)

OPTION = "tcpSecret"
POSIX = os.name == "posix"  # os.getuid and os.O_NOFOLLOW exist only there


@dataclass(frozen=True)
class TcpGate:
    """The secret a TCP client must present before the server reads any credential for it."""

    path: Path | None  # None: the secret could not be written, so no client may use the login
    secret: str | None = field(default=None, repr=False)

    @property
    def refusal(self) -> str:
        """Why a client that did not present the secret is served without credentials (its every answer says so)."""
        where = f"the contents of {self.path}" if self.path is not None else "a secret this server could not write"
        return (
            "This language server listens on TCP and this client did not present its secret "
            f"(initializationOptions.{OPTION}: {where}), so it serves syntax features only and never uses the "
            "Infisical login for it. Start it on stdio, or send the secret."
        )

    def admits(self, options: Any) -> bool:
        """Whether ``initializationOptions`` carry the secret (compared in constant time)."""
        given = options.get(OPTION) if isinstance(options, dict) else None
        if self.secret is None or not isinstance(given, str):
            return False
        return hmac.compare_digest(given.encode("utf-8", "replace"), self.secret.encode())

    def remove(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def secret_folder(env: Mapping[str, str], home: Path, platform: str = sys.platform) -> Path:
    """A per-user folder: ``$XDG_RUNTIME_DIR`` (already private to the user) where there is one, else the user's
    cache folder where the platform keeps it (``~/.cache`` on Linux, ``~/Library/Caches`` on macOS,
    ``%LOCALAPPDATA%`` on Windows; :func:`folders.cache_dir`)."""
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if runtime and Path(runtime).is_absolute():
        return Path(runtime) / "infisical-tokens" / "lsp"
    if platform not in ("darwin", "win32"):
        cache = env.get("XDG_CACHE_HOME", "")
        return (Path(cache) if cache and Path(cache).is_absolute() else home / ".cache") / "infisical-tokens" / "lsp"
    from infisical_tokens.core.folders import cache_dir  # the catalog's cache module: not for every start

    found = cache_dir(platform)
    return (found.parent if found is not None else home / ".infisical-tokens") / "lsp"


def _private_folder(path: Path, *, posix: bool = POSIX) -> None:
    """Make ``path`` a folder only this account can enter, refusing one that another account owns or a symlink.
    Without ``posix`` (Windows: the user's profile is already private to them) only a real folder is required."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or (posix and info.st_uid != os.getuid()):
        raise PermissionError(f"{path} is not a folder owned by this account")
    if posix:
        os.chmod(path, 0o700)


def open_gate(port: int, env: Mapping[str, str], home: Path, *, posix: bool = POSIX) -> tuple[TcpGate, str]:
    """A fresh secret in ``<folder>/tcp-<port>.secret``, and the line that tells the owner where it is."""
    path = secret_folder(env, home) / f"tcp-{port}.secret"
    secret = secrets.token_urlsafe(32)
    try:
        _private_folder(path.parent, posix=posix)
        path.unlink(missing_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | (getattr(os, "O_NOFOLLOW", 0) if posix else 0), 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secret)
    except OSError as err:
        gate = TcpGate(None)
        return gate, f"infisical-lsp: could not write the TCP secret ({err}); no client can use your Infisical login."
    return TcpGate(path, secret), (
        f"infisical-lsp: a client that may use your Infisical login must send initializationOptions.{OPTION} "
        f"with the contents of {path} (readable by this account only); other clients get syntax features only."
    )


def serve_one_client(server: JsonRPCServer, host: str, port: int) -> None:
    """Serve one connection until it ends; any connection made meanwhile is closed at once.

    pygls' own ``start_tcp`` hands every connection the one protocol, so a second client, unadmitted, would
    take over the first one's admitted session (and its replies).
    """
    stop = threading.Event()
    busy = False

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal busy
        if busy:
            writer.close()
            return
        busy = True
        try:
            server.protocol.set_writer(writer)
            await run_async(stop, reader, server.protocol, log, server.report_server_error)
        finally:
            server.shutdown()  # type: ignore[no-untyped-call]

    async def listen() -> None:
        server._stop_event = stop
        server._server = await asyncio.start_server(connection, host, port)
        async with server._server:
            await server._server.serve_forever()

    with contextlib.suppress(asyncio.CancelledError):
        asyncio.run(listen())
