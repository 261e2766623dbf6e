"""Typed errors, in the manner of requests' exception tree.

Every error's ``str()`` is one clear paragraph meant for a person; none of them ever carries a
credential or a token (they are built from statuses, messages and URLs only).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit


class InfisicalTokensError(Exception):
    """Base of everything this package raises on purpose."""


class UsageError(InfisicalTokensError):
    """The command or its values are wrong; nothing was sent."""


class ProblemsError(UsageError):
    """Checks failed before anything was sent; ``problems`` keeps their positions for callers that show them."""

    def __init__(self, problems: list[Any]) -> None:
        self.problems = problems
        super().__init__("\n".join(p.text() for p in problems))


class ConfigError(InfisicalTokensError):
    """A configuration file (``.infisical.json``, the CLI's config) cannot be used."""


class SessionError(InfisicalTokensError):
    """No usable credentials (not logged in, expired session, keyring unavailable)."""


class TrustError(SessionError):
    """Credentials would go to a domain the user did not choose (for example one set by a repository)."""


# ---------------------------------------------------------------------- transport


class TransportError(InfisicalTokensError):
    """The request did not get an HTTP answer."""

    reason = "the request failed"
    hint = ""

    def __init__(self, method: str, url: str, detail: str = "") -> None:
        self.method, self.url, self.detail = method, url, detail
        super().__init__(self.describe())

    def describe(self) -> str:
        text = f"{self.method} {self.url}: {self.reason}"
        if self.detail:
            text += f" ({self.detail})"
        text += "."
        if self.hint:
            text += " " + self.hint
        return text


class ConnectionRefused(TransportError):
    reason = "connection refused"
    hint = "Is the Infisical server running at that address? Check --domain / INFISICAL_DOMAIN."


class DNSFailure(TransportError):
    reason = "the host name could not be resolved"
    hint = "Check the domain for typos and your network connection."


class Timeout(TransportError):
    reason = "the server did not answer in time"
    hint = "The server may be overloaded or unreachable; try again, or raise INFISICAL_TOKENS_TIMEOUT."


class TLSFailure(TransportError):
    reason = "the TLS (HTTPS) handshake failed"
    hint = "Check that the domain speaks HTTPS and that its certificate is trusted (REQUESTS_CA_BUNDLE)."


class ConnectionDropped(TransportError):
    reason = "the server closed the connection without answering"
    hint = "Try again; if it persists, check proxies between you and the server."


# ---------------------------------------------------------------------- HTTP


class APIError(InfisicalTokensError):
    """The server answered with an error status. Subclasses name the common cases."""

    project_source: str | None = None  # where the project ID came from, for "Check the project ID (...)"

    def __init__(
        self,
        *,
        method: str,
        url: str,
        status: int,
        message: str,
        error: str = "",
        req_id: str | None = None,
        details: Any = None,
        retry_after: float | None = None,
    ) -> None:
        self.method, self.url, self.status = method, url, status
        self.message, self.error, self.req_id, self.details = message, error, req_id, details
        self.retry_after = retry_after
        super().__init__(self.describe())

    @property
    def instance(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    def hint(self) -> str:
        return ""

    def came_from(self, source: str) -> None:
        """Name where the project ID came from, when this error says the server does not know the project."""
        if is_unknown_project(self):
            self.project_source = source
            self.args = (self.describe(),)

    def describe(self) -> str:
        from http import HTTPStatus  # its enum costs a millisecond at start-up: only an error's text needs it

        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "Error"
        text = f"{self.method} {self.url} answered {self.status} {phrase}"
        if self.message:
            text += f": {self.message}"
        if " " in self.error and self.error not in self.message:
            text += f" ({self.error})"  # a sentence, not a class name: often the useful part
        if not text.endswith("."):
            text += "."
        extra = _details_text(self.details)
        if extra:
            text += f" Details: {extra}."
        hint = self.hint()
        if hint:
            text += f" {hint}" if hint.endswith(".") else f" {hint}."
        if self.req_id:
            text += f" (request id {self.req_id})."
        return text  # ends a sentence: callers go on with the next one ("... Checking offline.")


class BadRequest(APIError):
    pass


class Unauthorized(APIError):
    def hint(self) -> str:
        if self.message == "Token missing":
            return "No credentials were sent; run `infisical login` or set INFISICAL_TOKEN."
        return f"Check your credentials or verify you're using the correct domain. Current domain: {self.instance}"


class Forbidden(APIError):
    def hint(self) -> str:
        if self.error == "TokenError" and self.message == "invalid signature":
            return (
                f"This instance ({self.instance}) did not issue the token: check --domain / INFISICAL_DOMAIN, "
                "or run `infisical login` for it."
            )
        if self.error == "TokenError":
            return "Run `infisical login` again (or refresh INFISICAL_TOKEN)."
        if self.error.startswith("Forbidden access to"):
            return (
                "These credentials cannot be used for this call: listing, creating and deleting service tokens "
                "needs a user login (`infisical login`), not a service token or a machine identity."
            )
        if self.error == NOT_A_MEMBER:
            return project_hint(self.project_source)
        if self.error == "PermissionDenied":
            return "Your role in this project does not allow it; ask a project admin."
        return f"Check your credentials or verify you're using the correct domain. Current domain: {self.instance}"


class NotFound(APIError):
    pass


# patterns compiled by their first use (re keeps them): an answer from a server is rare at start-up
TRY_AGAIN_IN = r"try again in (\d{1,6}(?:\.\d{1,3})?) seconds?"
NOT_A_MEMBER = "User not a part of the specified project"  # a 2024 server's 403 for a project unknown or not yours
# a 2026 server's 404: "Project with ID '<id>' not found" (project routes), "Project with <id> not found" (others)
PROJECT_NOT_FOUND = r"Project with (ID '.*'|.*) not found"


def project_hint(source: str | None) -> str:
    """What to do about a project the server does not know, naming where its ID came from."""
    where = source or "--projectId, INFISICAL_PROJECT_ID or .infisical.json"
    return f"This project does not exist, or it is not yours. Check the project ID (it came from {where})."


def is_unknown_project(error: APIError) -> bool:
    """A project that does not exist or is not the caller's, in each generation's words."""
    return isinstance(error, ProjectNotFound) or (isinstance(error, Forbidden) and error.error == NOT_A_MEMBER)


class ProjectNotFound(NotFound):
    """No such project: 404 "Project with ... not found" on a 2026 server, a 500 whose ``error`` is "Failed to
    find project by id" on a 2024 one."""

    def hint(self) -> str:
        return project_hint(self.project_source)


class MalformedAnswer(APIError):
    """The server answered, but not with what an Infisical server sends (a proxy, or a broken server)."""

    def hint(self) -> str:
        return "Check --domain / INFISICAL_DOMAIN: is that an Infisical API?"


class ValidationFailed(APIError):
    """422 on current servers; 401 with ``error: ValidationFailure`` on older ones."""


class RateLimited(APIError):
    def hint(self) -> str:
        if re.search(r"try again in \d", self.message):
            return "Rate-limited by the server."  # its message says when to try again: said once
        wait = f"in {self.retry_after:g} seconds" if self.retry_after else "in a minute"
        return f"Rate-limited by the server; try again {wait}."


class ServerError(APIError):
    def hint(self) -> str:
        return "The server failed; if this continues, get support at https://infisical.com/slack"


def _details_text(details: Any) -> str:
    if details in (None, "", [], {}):
        return ""
    if isinstance(details, list):
        return "; ".join(d if isinstance(d, str) else json.dumps(d, separators=(",", ":")) for d in details)
    return details if isinstance(details, str) else json.dumps(details, separators=(",", ":"))


def _validation_message(issues: list[Any]) -> str:
    texts = []
    for issue in issues:
        if isinstance(issue, dict):
            where = ".".join(str(p) for p in issue.get("path", []))
            texts.append(f"{where}: {issue.get('message', '')}" if where else str(issue.get("message", "")))
        else:
            texts.append(str(issue))
    return "invalid request: " + "; ".join(texts)


MAX_SERVER_TEXT = 500


def server_text(value: Any, secrets: tuple[str, ...] = (), limit: int = MAX_SERVER_TEXT) -> str:
    """A text the server chose, made safe to show: no credential (ours or token-shaped), no terminal control
    characters, and not longer than ``limit``."""
    from .redact import redact

    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), default=str)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    text = redact(text)
    text = "".join(c if c.isprintable() else " " for c in text)
    return text if len(text) <= limit else text[:limit] + "..."


def api_error_from(
    method: str,
    url: str,
    status: int,
    body: Any,
    text: str,
    retry_after: float | None = None,
    secrets: tuple[str, ...] = (),
) -> APIError:
    """Build the right APIError subclass from an error response (body is the parsed JSON, if any).

    Everything the server wrote is cleaned by :func:`server_text`: an echoing server cannot make us print a
    credential, and a hostile one cannot move the cursor or flood the terminal."""
    message, error, req_id, details = "", "", None, None
    if isinstance(body, dict):
        raw_message = body.get("message", "")
        error = server_text(body.get("error", "") or "", secrets, 200)
        req_id = server_text(body["reqId"], secrets, 80) if isinstance(body.get("reqId"), str) else None
        details = server_text(body["details"], secrets) if body.get("details") not in (None, "", [], {}) else None
        message = _validation_message(raw_message) if isinstance(raw_message, list) else str(raw_message or "")
        message = server_text(message, secrets)
    else:
        message = server_text(text.strip(), secrets, 300)
    if status == 429 and retry_after is None:  # Infisical Cloud: "Rate limit exceeded. Please try again in N seconds"
        said = re.search(TRY_AGAIN_IN, message)
        retry_after = float(said.group(1)) if said and float(said.group(1)) < 86400 else None
    kind: type[APIError]
    if error == "Failed to find project by id" or (status == 404 and re.fullmatch(PROJECT_NOT_FOUND, message)):
        kind = ProjectNotFound
    elif error == "ValidationFailure" or status == 422:
        kind = ValidationFailed
    elif status == 429 or (status == 500 and retry_after is not None):
        kind = RateLimited
    else:
        kind = {400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound}.get(
            status, ServerError if status >= 500 else APIError
        )
    return kind(
        method=method,
        url=url,
        status=status,
        message=message,
        error=error,
        req_id=req_id,
        details=details,
        retry_after=retry_after,
    )
