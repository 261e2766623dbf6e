"""A protocol that answers every request with an id, even one whose params do not deserialise.

pygls 2 structures each message inside its reader loop (``json.loads(..., object_hook=structure_message)``);
when a request's params fail lsprotocol's types (``{"uri": 5}``, a line of ``-1`` or ``2**40``) it logs a
traceback and raises there, and the loop drops the message: the client waits forever for an answer. Here
such a request is answered with JSON-RPC's InvalidParams, naming what was wrong, and logged in one line.
"""

from __future__ import annotations

import logging
from typing import Any

from cattrs import transform_error
from lsprotocol.types import ResponseError
from pygls.exceptions import JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage

log = logging.getLogger("infisical_tokens.lsp")
MAX_PROBLEMS = 3


class _Refused:
    """A message already dealt with here (answered, or logged when it was a notification)."""


def _problems(err: Exception) -> str:
    """Where the params went wrong, in a few short phrases (never a traceback)."""
    try:
        found = [line.replace("$.params", "params") for line in transform_error(err)]
    except Exception:  # transform_error knows cattrs' own errors only
        found = [f"{type(err).__name__}"]
    shown = "; ".join(found[:MAX_PROBLEMS])
    return shown if len(found) <= MAX_PROBLEMS else f"{shown}; and {len(found) - MAX_PROBLEMS} more"


class AnsweringProtocol(LanguageServerProtocol):
    def structure_message(self, data: dict[str, Any]) -> Any:
        if "jsonrpc" not in data or "method" not in data or "error" in data or "result" in data:
            return super().structure_message(data)  # nested objects, and responses to our own requests
        method = data["method"]
        fallback = JsonRPCRequestMessage if "id" in data else JsonRPCNotification
        try:
            return self._converter.structure(data, self.get_message_type(method) or fallback)
        except Exception as err:
            reason = _problems(err)
            if "id" not in data:
                log.warning("ignored a %.80s notification with malformed params: %s", method, reason)
                return _Refused()
            msg_id = data["id"]
            if not isinstance(msg_id, (int, str)) or isinstance(msg_id, bool):
                msg_id = None  # JSON-RPC: an id that cannot be read is answered as null
            log.warning("answered a %.80s request with malformed params: %s", method, reason)
            message = f"{JsonRpcInvalidParams.MESSAGE} for {method!s:.80}: {reason}"
            self._send_response(msg_id, error=ResponseError(code=JsonRpcInvalidParams.CODE, message=message))
            return _Refused()

    def handle_message(self, message: Any) -> None:
        if not isinstance(message, _Refused):
            super().handle_message(message)
