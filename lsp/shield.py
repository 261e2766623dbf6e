"""Requests that must finish once they have acted: a create (or rotate) whose request reached the server.

pygls answers a cancelled request at once and drops whatever its handler returns later; for a create already sent
that would lose the token. Such a request registers a :class:`Shield`, and the protocol notes a late cancel instead
of obeying it, so the answer still carries the token (and the person is told where it is).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from .answering import AnsweringProtocol

log = logging.getLogger("infisical_tokens.lsp")


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
