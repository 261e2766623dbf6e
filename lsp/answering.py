"""A protocol that answers every request with an id, even one whose params do not deserialise.

pygls 2 structures each message inside its reader loop (``json.loads(..., object_hook=structure_message)``);
when a request's params fail lsprotocol's types (``{"uri": 5}``, a line of ``-1`` or ``2**40``) it logs a
traceback and raises there, and the loop drops the message: the client waits forever for an answer. Here
such a request is answered with JSON-RPC's InvalidParams, naming what was wrong, and logged in one line.

Likewise a message that is not a JSON-RPC request at all (``[]``, ``null``, an id that is an array) is answered
with Invalid Request and id null, a body that is not JSON with Parse error (see :func:`refuse_unparsable`), and a
request before ``initialize`` with ServerNotInitialized, at once: pygls would run it against no workspace.

A result already written as JSON (:class:`Written`) is sent as it is, framed as pygls frames every message.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from typing import Any

from cattrs import transform_error
from lsprotocol.types import ResponseError
from pygls.exceptions import (
    JsonRpcInternalError,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcParseError,
    JsonRpcServerNotInitialized,
)
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage, JsonRPCResponseMessage

log = logging.getLogger("infisical_tokens.lsp")
MAX_PROBLEMS = 3
BEFORE_INITIALIZE = frozenset({"initialize", "exit"})  # what LSP lets a client send before initialize


def _valid_id(msg_id: object) -> bool:
    return isinstance(msg_id, (int, str)) and not isinstance(msg_id, bool)


class Written:
    """A request's result already written as JSON, exactly as pygls writes it (``json.dumps`` of what its converter
    makes of the result), so that an answer given again is neither converted nor written again: for 151 completion
    items that was about 0.9 ms of a 1 ms answer's cost."""

    __slots__ = ("json",)

    def __init__(self, json: str) -> None:
        self.json = json


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
    initialized = False  # an initialize request was received in this session (reset for each TCP client)

    def _refuse(self, code: int, message: str, msg_id: Any = None) -> _Refused:
        # a plain object: pygls' response types leave out an id of None, and JSON-RPC wants it as null
        self._send_data({"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}})
        return _Refused()

    def _send_data(self, data: Any) -> None:
        if not isinstance(data, JsonRPCResponseMessage) or not isinstance(data.result, Written) or self.writer is None:
            super()._send_data(data)
            return
        # the body json.dumps writes of the response (its fields in order), and pygls's framing of it
        body = f'{{"id": {json.dumps(data.id)}, "jsonrpc": {json.dumps(data.jsonrpc)}, "result": {data.result.json}}}'
        header = f"Content-Length: {len(body)}\r\nContent-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n"
        try:
            written = self.writer.write(((header if self._include_headers else "") + body).encode(self.CHARSET))
            if inspect.isawaitable(written):
                asyncio.ensure_future(written)  # noqa: RUF006 - as pygls does (a WebSocket write; ours never are)
        except BrokenPipeError:
            raise
        except Exception as error:
            self._server._report_server_error(error, JsonRpcInternalError)

    def refuse_unparsable(self, err: Exception) -> None:
        """A body that is not JSON: Parse error with id null, in one log line (pygls would show Python's words)."""
        log.warning("answered a message that is not JSON: %s", type(err).__name__)
        self._refuse(JsonRpcParseError.CODE, f"{JsonRpcParseError.MESSAGE}: the message is not JSON.")

    def structure_message(self, data: dict[str, Any]) -> Any:
        if "jsonrpc" not in data or "method" not in data or "error" in data or "result" in data:
            return super().structure_message(data)  # nested objects, and responses to our own requests
        method = data["method"]
        if "id" in data and not _valid_id(data["id"]):
            log.warning("answered a request whose id is neither a number nor a string")
            return self._refuse(
                JsonRpcInvalidRequest.CODE, f"{JsonRpcInvalidRequest.MESSAGE}: the id must be a number or a string."
            )
        fallback = JsonRPCRequestMessage if "id" in data else JsonRPCNotification
        try:
            return self._converter.structure(data, self.get_message_type(method) or fallback)
        except Exception as err:
            reason = _problems(err)
            if "id" not in data:
                log.warning("ignored a %.80s notification with malformed params: %s", method, reason)
                return _Refused()
            msg_id = data["id"]
            log.warning("answered a %.80s request with malformed params: %s", method, reason)
            message = f"{JsonRpcInvalidParams.MESSAGE} for {method!s:.80}: {reason}"
            self._send_response(msg_id, error=ResponseError(code=JsonRpcInvalidParams.CODE, message=message))
            return _Refused()

    def handle_message(self, message: Any) -> None:
        if isinstance(message, _Refused):
            return
        if getattr(message, "jsonrpc", None) != "2.0":  # `[]`, `null`, `5`, an object without "jsonrpc"
            log.warning("answered a message that is not a JSON-RPC request: %s", type(message).__name__)
            self._refuse(JsonRpcInvalidRequest.CODE, f"{JsonRpcInvalidRequest.MESSAGE}: not a JSON-RPC 2.0 message.")
            return
        method = getattr(message, "method", None)
        if method is not None and not self.initialized and method not in BEFORE_INITIALIZE:
            if hasattr(message, "id"):  # a notification before initialize is dropped, as LSP says
                self._refuse(
                    JsonRpcServerNotInitialized.CODE,
                    f"The server is not initialized: send initialize before {method!s:.80}.",
                    message.id,
                )
            return
        if method == "initialize":
            self.initialized = True
        super().handle_message(message)
