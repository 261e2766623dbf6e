"""Requests that must finish once they have acted: a create (or rotate) whose request reached the server.

pygls answers a cancelled request at once and drops whatever its handler returns later; for a create already sent
that would lose the token. Such a request registers a :class:`Shield`, and the protocol notes a late cancel instead
of obeying it, so the answer still carries the token (and the person is told where it is).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol.language_server import lsp_method

from .answering import AnsweringProtocol

log = logging.getLogger("infisical_tokens.lsp")
SHUTDOWN_WAIT_SECONDS = 30.0  # how long shutdown waits for shielded requests (a create's answer) to finish


@dataclass
class Shield:
    """A request that must finish once it has acted (a create whose request left): a cancel is noted, not obeyed,
    and the answer says what became of the token."""

    acted: bool = False
    cancel_requested: bool = False

    def act(self) -> bool:
        """Mark the point of no return; False when a cancel came first (then nothing may be sent). Call it with no
        ``await`` between it and the sending, so that no cancel can slip in between."""
        self.acted = not self.cancel_requested
        return self.acted

    def tell(self, ls: LanguageServer, name: str, masked: str, token_id: str, where: str | None = None) -> None:
        """After a cancel the client may ignore the answer: tell the person where the token is, or how to delete it."""
        if not self.cancel_requested:
            return
        held = where or (
            "is in the command's answer. If your editor dropped it, delete it: "
            f"`infisical-tokens service-token delete {token_id} --yes`."
        )
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Warning,
                message=f"The create of service token '{name}' ({masked}) was cancelled after it reached the server, "
                f"so the token exists: it {held}",
            )
        )


@contextlib.contextmanager
def shielded(shields: dict[Any, Shield], request_id: Any) -> Iterator[Shield]:
    """A shield for the running request, from its first moment (a cancel before it acts must stop it)."""
    shield = shields[request_id] = Shield()
    try:
        yield shield
    finally:
        shields.pop(request_id, None)


class InfisicalProtocol(AnsweringProtocol):
    """The server's protocol: it answers every request (see :mod:`answering`), and since pygls answers a cancelled
    request at once and drops what its handler returns later, which for a create that has reached the server would
    lose the token, such a request ignores ``$/cancelRequest``."""

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        shield = getattr(self._server, "shields", {}).get(msg_id)
        if shield is not None:
            shield.cancel_requested = True
            if shield.acted:
                log.info("request %s asked to cancel after its create was sent; it will answer", msg_id)
                return
        super()._handle_cancel_notification(msg_id)

    async def _shielded_done(self) -> None:
        """Until no shielded request runs, or ``SHUTDOWN_WAIT_SECONDS`` have passed."""
        shields: dict[Any, Shield] = getattr(self._server, "shields", {})
        deadline = time.monotonic() + SHUTDOWN_WAIT_SECONDS
        while shields and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if shields:
            log.warning(
                "shutdown: %d shielded request(s) still running after %g s", len(shields), SHUTDOWN_WAIT_SECONDS
            )

    @lsp_method(types.SHUTDOWN)
    def lsp_shutdown(self, *args: Any) -> Generator[Any, Any, None]:
        """pygls' shutdown, except that a shielded request (a create) is waited for, not cancelled, so its answer
        carries the token; and the requests are cancelled from a copy (each cancel removes its own entry, which
        raised "dictionary changed size during iteration")."""
        current_id = self.msg_id  # read before yielding: the request this generator answers
        yield self._shielded_done, (), None
        if (user_handler := self.fm.features.get(types.SHUTDOWN)) is not None:
            yield user_handler, args, None
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current_id and not future.done():
                future.cancel()
        self._shutdown = True
