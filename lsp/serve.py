"""``infisical-lsp``: logging that never lets a secret out, the command line, and the TCP loop. Importing the
handler modules registers them on :data:`.server.server`."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
from pathlib import Path

from infisical_tokens.core import __version__
from infisical_tokens.core.redact import redact

from . import document_handlers, migrate_command, status_commands, token_commands
from .server import server

HANDLERS = (document_handlers, status_commands, token_commands, migrate_command)  # registered by their import


class RedactSecrets(logging.Filter):
    """Defence in depth: no log record leaves the process with a service token, a JWT or a traceback in it
    (a traceback's frames can hold either; one line names the exception instead)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            error = record.exc_info[1]
            message += f" ({type(error).__name__}: {error})" if error is not None else ""
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        record.msg, record.args = redact(message), ()
        return True


class DropLateCancels(logging.Filter):
    """VS Code cancels completions it no longer needs, often after they were answered; pygls warns about each
    one, which filled the output channel with lines that mean nothing to a person."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Cancel notification for unknown message id")


# ---------------------------------------------------------------------- entry point


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(DropLateCancels())
    handler.addFilter(RedactSecrets())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # pygls logs every message body at INFO; bodies can hold a created token, so never let them through.
    logging.getLogger("pygls").setLevel(max(logging.WARNING, root.level))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="infisical-lsp", description="Infisical service-token language server")
    parser.add_argument("--tcp", action="store_true", help="listen on TCP instead of stdio")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2087)
    parser.add_argument(
        "--log-level",
        type=str.upper,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        default=os.environ.get("INFISICAL_LSP_LOG_LEVEL", "WARNING").upper(),
    )
    parser.add_argument("--version", action="version", version=f"infisical-lsp {__version__}")
    args = parser.parse_args(argv)
    configure_logging(args.log_level)
    if args.tcp:
        serve_tcp(args.host, args.port)
    else:
        server.start_io()


def _cannot_listen(host: str, port: int) -> str | None:
    """Why the server could not listen on ``host`` and ``port``, None if it can: each address the host names is
    bound and let go, as asyncio's server binds them (IPv6 ones included)."""
    try:
        for family, kind, proto, _, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
            with socket.socket(family, kind, proto) as probe:
                if os.name != "nt":
                    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6 and hasattr(socket, "IPV6_V6ONLY"):
                    probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                probe.bind(address)
    except OSError as err:
        return err.strerror or str(err)
    return None


def serve_tcp(host: str, port: int) -> None:
    """Serve one client at a time, for as long as the process lives.

    pygls ends its TCP server when a client disconnects, so a port scan (connect, close) used to stop it;
    each ended session is followed by a fresh one on the same port, with the session's state reset.
    Another account can connect too: only a client presenting the secret may use the login (:mod:`tcp_auth`).
    """
    from . import tcp_auth  # its hmac, secrets and random only where a client must present a secret

    refused = _cannot_listen(host, port)  # first: another server's secret file must not be rewritten, then removed
    if refused is not None:
        sys.exit(f"infisical-lsp: cannot listen on {host} port {port}: {refused}")
    gate, notice = tcp_auth.open_gate(port, os.environ, Path.home())
    print(notice, file=sys.stderr, flush=True)
    server.tcp_gate = gate
    server.reset_session()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so that the secret's file goes with the server
    try:
        while True:
            tcp_auth.serve_one_client(server, host, port)
            if server.exited:
                return
            server.reset_session()
    finally:
        gate.remove()
