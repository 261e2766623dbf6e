"""An emulator of the Infisical HTTP API on 127.0.0.1, for tests and the demo. Not a real server.

Routes, status codes, error bodies and validation follow captures from a running Infisical server
(old generation) and the current upstream source (new generation); see tests/emulator/README.md.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from infisical_tokens.core.glob import GlobSyntaxError, compile_glob
from infisical_tokens.core.picomatch import scan_is_glob

from .state import LAST_USED_DELAY, SEED_TIME, EmulatorState, Environment, Mode, Project, Role, Secret, ServiceTokenRow

MAX_DATE_SECONDS = 8.64e12  # JavaScript's Date range; beyond it the server answers 500


class HTTPAnswer(Exception):
    """Raised by a route to answer with an error body."""

    def __init__(
        self,
        status: int,
        message: Any,
        error: str,
        details: Any = None,
        headers: dict[str, str] | None = None,
        *,
        fastify: bool = False,
        rate_limited: bool = False,
    ):
        super().__init__(message)
        self.status, self.message, self.error, self.details = status, message, error, details
        self.headers = headers or {}
        self.fastify = fastify  # Fastify's own answer (an unknown route): never a reqId
        self.rate_limited = rate_limited  # answered per generation by Handler._rate_limited


@dataclass
class Fault:
    """One injected misbehaviour, applied to the next ``times`` matching requests."""

    kind: str  # "status" | "latency" | "drop" | "rate_limit" | "echo" | "body" | "trickle"
    method: str | None = None
    path: str | None = None  # a prefix of the request path
    times: int = 1
    status: int = 503
    delay: float = 0.0
    retry_after: int = 1
    body: bytes = b""  # "body": the raw answer (status ``status``); "trickle": sent one byte every ``delay`` s
    # the server acts first (creates the token), then the answer goes wrong on its way back, as behind a gateway
    # that times out: "status", "drop", or "body" (``body``, or ``rewrite`` applied to the real answer's JSON)
    act: bool = False
    rewrite: Callable[[Any], Any] | None = None
    contains: str | None = None  # also required somewhere in the path (a route whose prefix holds an ID)

    def matches(self, method: str, path: str) -> bool:
        return (
            (self.method is None or self.method == method)
            and (self.path is None or path.startswith(self.path))
            and (self.contains is None or self.contains in path)
        )


@dataclass
class Actor:
    kind: str  # "user" | "identity" | "service"
    id: str
    roles: dict[str, Role] = field(default_factory=dict)
    token: ServiceTokenRow | None = None


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


Route = Callable[["Handler", Actor | None, re.Match[str], dict[str, list[str]], Any], tuple[int, Any]]


RateKind = str  # "read" (other GETs) | "secrets" (secret reads) | "write" (POST, PATCH, DELETE)


class RateLimiter:
    """A rate-limited server's budgets (fastify's rate-limit plugin): per route pattern and client address, a
    fixed window from the first request; every counted answer carries ``x-ratelimit-*`` headers and a refused
    one ``Retry-After``. ``limit`` is the budget of ordinary GETs."""

    def __init__(self, limit: int, window: float, *, secrets: int, writes: int) -> None:
        self.limit, self.window = limit, window
        self.limits: dict[RateKind, int] = {"read": limit, "secrets": secrets, "write": writes}
        self._lock = threading.Lock()
        self._hits: dict[tuple[str, str], tuple[float, int]] = {}  # (route, client) -> (window start, count)

    def hit(self, kind: RateKind, route: str, client: str) -> tuple[bool, dict[str, str]]:
        """(allowed, headers) for one request."""
        limit = self.limits[kind]
        now = time.monotonic()
        with self._lock:
            start, count = self._hits.get((route, client), (now, 0))
            if now - start >= self.window:
                start, count = now, 0
            count += 1
            self._hits[(route, client)] = (start, count)
        reset = max(1, math.ceil(self.window - (now - start)))
        headers = {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(max(0, limit - count)),
            "x-ratelimit-reset": str(reset),
        }
        if count > limit:
            return False, {**headers, "Retry-After": str(reset)}
        return True, headers

    def reset(self) -> None:
        """Forget every count (on the real server: deleting its Redis keys)."""
        with self._lock:
            self._hits.clear()

    def end_windows(self) -> None:
        """Let every open window run out now, as if its ``Retry-After`` had been waited out."""
        with self._lock:
            self._hits = {key: (start - self.window, count) for key, (start, count) in self._hits.items()}


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that left mid-answer (a deadline, a trickle) is normal here, not an error to print."""


OLD_LIMITS = {"read": 60, "secrets": 40, "write": 200}  # the 2024 server without a licence, per minute
CLOUD_LIMITS = {"read": 600, "secrets": 60, "write": 200}  # Infisical Cloud (2026 source defaults), per minute


class Emulator:
    """Start with ``Emulator(mode).start()``; ``url`` is the instance (``http://127.0.0.1:PORT``).

    The old generation always rate-limits as the 2024 server did (``rate_limit`` GETs, 40 secret reads and 200
    writes per ``rate_window`` seconds per route and client), answering 500; the new one is a self-hosted 2026
    server without limits unless ``cloud=True`` (Infisical Cloud's budgets, answering 429). ``rate_limit=None``
    turns limits off, a number changes the GET budget, a shorter window lets a test wait it out.
    ``last_used_delay`` is how long after a use ``lastUsed`` shows it (the real server: about a minute).
    """

    def __init__(
        self,
        mode: Mode = "new",
        *,
        rate_limit: int | str | None = "default",
        rate_window: float = 60.0,
        cloud: bool = False,
        last_used_delay: float = LAST_USED_DELAY,
        permission_cache: float | None = None,
    ) -> None:
        from .identities import Identities

        self.state = EmulatorState(mode, last_used_delay=last_used_delay)
        self.identities = Identities()
        if permission_cache is not None:
            self.identities.permission_cache = permission_cache
        self.cloud = cloud
        budgets = OLD_LIMITS if mode == "old" else CLOUD_LIMITS if cloud else None
        limit = (budgets["read"] if budgets else None) if rate_limit == "default" else rate_limit
        self.rate_limiter = (
            RateLimiter(
                limit,
                rate_window,
                secrets=min(limit, (budgets or OLD_LIMITS)["secrets"]),
                writes=(budgets or OLD_LIMITS)["write"],
            )
            if isinstance(limit, int)
            else None
        )
        self.faults: list[Fault] = []
        self.requests: list[RecordedRequest] = []
        self._connections: set[socket.socket] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port = 0  # kept across stop() and start(): a restarted server comes back where clients look

    @property
    def mode(self) -> Mode:
        return self.state.mode

    @mode.setter
    def mode(self, value: Mode) -> None:
        self.state.mode = value

    @property
    def url(self) -> str:
        assert self._server is not None, "emulator not started"
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    @property
    def api_url(self) -> str:
        return self.url + "/api"

    def start(self) -> Emulator:
        handler = type("BoundHandler", (Handler,), {"emulator": self})
        self._server = _Server(("127.0.0.1", self._port), handler)
        self._port = self._server.server_address[1]
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop as a real server does: no new connections, and the open (keep-alive) ones are closed."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self.state.lock:
            open_connections, self._connections = self._connections, set()
        for connection in open_connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_fault(self, kind: str, **kwargs: Any) -> Fault:
        fault = Fault(kind=kind, **kwargs)
        self.faults.append(fault)
        return fault

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.state.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.matches(method, path):
                    fault.times -= 1
                    return fault
        return None

    def requests_to(self, method: str, path_prefix: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]


class Handler(BaseHTTPRequestHandler):
    emulator: Emulator
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes; avoid the 40 ms delayed-ACK stall
    server_version = "infisical-emulator"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def setup(self) -> None:
        super().setup()
        with self.emulator.state.lock:
            self.emulator._connections.add(self.connection)

    def finish(self) -> None:
        with self.emulator.state.lock:
            self.emulator._connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    @property
    def state(self) -> EmulatorState:
        return self.emulator.state

    # ------------------------------------------------------------------ plumbing
    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        path, query = split.path, parse_qs(split.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any = None
        parse_error = False
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                parse_error = True
        self.emulator.requests.append(
            RecordedRequest(method, path, query, {k.lower(): v for k, v in self.headers.items()}, body)
        )

        fault = self.emulator.take_fault(method, path)
        if fault is not None and fault.act:
            self._act_then_fail(fault, method, path, query, body)
            return
        if fault is not None and fault.kind == "latency":
            time.sleep(fault.delay)
        elif fault is not None and fault.kind == "drop":
            self.close_connection = True
            return
        elif fault is not None and fault.kind == "status":
            self._error(HTTPAnswer(fault.status, "Something went wrong", "InternalServerError"))
            return
        elif fault is not None and fault.kind == "rate_limit":
            self._rate_limited(fault.retry_after)
            return
        elif fault is not None and fault.kind == "echo":  # a hostile or broken server: repeats what it was sent
            echoed = "; ".join(f"{k}: {v}" for k, v in self.headers.items())
            self._error(HTTPAnswer(fault.status, f"Bad request headers: {echoed}", f"echo {echoed}"))
            return
        elif fault is not None and fault.kind == "body":
            self._raw(fault.status, fault.body)
            return
        elif fault is not None and fault.kind == "trickle":
            self._trickle(fault.body or b'{"folders": []}', fault.delay)
            return

        limit_headers: dict[str, str] = {}
        try:
            route, match = self._route(method, path)
            if route is None or match is None:
                raise HTTPAnswer(404, f"Route {method}:{path} not found", "Not Found", fastify=True)
            actor = self._authenticate(path)  # before counting: a refused credential uses no budget
            limiter = self.emulator.rate_limiter
            if limiter is not None:
                kind = "write" if method != "GET" else "secrets" if route is read_secrets else "read"
                allowed, limit_headers = limiter.hit(kind, match.re.pattern, self.client_address[0])
                if not allowed:
                    raise HTTPAnswer(0, "", "", headers=limit_headers, rate_limited=True)
            json_type = "json" in (self.headers.get("Content-Type") or "")
            if parse_error or (method in ("POST", "PATCH") and not raw and json_type):
                raise HTTPAnswer(500, "Something went wrong", "InternalServerError")  # both servers, not 400
            status, payload = route(self, actor, match, query, body)
        except HTTPAnswer as answer:
            answer.headers = {**limit_headers, **answer.headers}
            if answer.rate_limited:
                self._rate_limited(int(answer.headers.get("Retry-After", "1")), answer.headers)
                return
            self._error(answer)
            return
        self._send(status, payload, limit_headers)

    def _act_then_fail(self, fault: Fault, method: str, path: str, query: dict[str, list[str]], body: Any) -> None:
        """Do what the request asks (a refusal is answered as usual), then misbehave as ``fault`` says."""
        try:
            route, match = self._route(method, path)
            if route is None or match is None:
                raise HTTPAnswer(404, f"Route {method}:{path} not found", "Not Found")
            status, payload = route(self, self._authenticate(path), match, query, body)
        except HTTPAnswer as answer:
            self._error(answer)
            return
        if fault.kind == "drop":
            self.close_connection = True
        elif fault.kind == "status":
            self._error(HTTPAnswer(fault.status, "Something went wrong", "InternalServerError"))
        elif fault.kind == "body" and fault.rewrite is not None:
            self._raw(status, json.dumps(fault.rewrite(payload)).encode())
        elif fault.kind == "body":
            self._raw(fault.status, fault.body)
        else:
            self._send(status, payload)

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _raw(self, status: int, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _trickle(self, data: bytes, delay: float) -> None:
        """A server that never stops answering: one byte every ``delay`` seconds (until the client leaves)."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data) * 1000))
        self.end_headers()
        try:
            for _ in range(10_000):
                self.wfile.write(data[:1])
                self.wfile.flush()
                time.sleep(delay)
        except OSError:
            return

    def _error(self, answer: HTTPAnswer) -> None:
        body: dict[str, Any] = {}
        if self.state.mode == "new" and not answer.fastify:
            body["reqId"] = f"req-{secrets.token_hex(8)}"
        body.update({"statusCode": answer.status, "message": answer.message, "error": answer.error})
        if answer.details is not None and self.state.mode == "new":
            body["details"] = answer.details
        self._send(answer.status, body, answer.headers)

    def _rate_limited(self, seconds: int, headers: dict[str, str] | None = None) -> None:
        headers = {**(headers or {}), "Retry-After": str(seconds)}
        if self.state.mode == "new":
            message = f"Rate limit exceeded. Please try again in {seconds} seconds"
            self._error(HTTPAnswer(429, message, "RateLimitExceeded", headers=headers))
        else:
            self._error(HTTPAnswer(500, "Something went wrong", "InternalServerError", headers=headers))

    def _route(self, method: str, path: str) -> tuple[Route | None, re.Match[str] | None]:
        for route_method, pattern, modes, route in ROUTES:
            if route_method != method or self.state.mode not in modes:
                continue
            match = pattern.fullmatch(path)
            if match:
                return route, match
        return None, None

    # ------------------------------------------------------------------ auth
    def _authenticate(self, path: str) -> Actor | None:
        header = self.headers.get("Authorization")
        if not header:
            return None
        token = header[7:]
        if token.startswith("st."):
            return self._service_token_actor(token)
        claims = self.state.verify_jwt(token)
        if claims is None and self.state.jwt_claims_unverified(token) is not None:
            raise HTTPAnswer(403, "invalid signature", "TokenError")  # jsonwebtoken's own message, passed through
        if claims is None:
            raise HTTPAnswer(
                403,
                "The provided access token is malformed. Please use a valid token or generate a new one and try again.",
                "TokenError",
            )
        if claims.get("exp", 0) < time.time():
            raise HTTPAnswer(403, "Your token has expired. Please re-authenticate.", "TokenError")
        if claims.get("authTokenType") == "identityAccessToken" and "identityAccessTokenId" in claims:
            from .identities import identity_actor

            return identity_actor(self, claims)
        if claims.get("authTokenType") == "identityAccessToken":
            identity = claims.get("identityId", "")
            return Actor("identity", identity, dict(self.state.identities.get(identity, {})))
        if not claims.get("organizationId"):
            error = f"{path} Unauthorized Access, no organization found in request"
            raise HTTPAnswer(401, "You are not allowed to access this resource", error)
        user = self.state.users.get(claims.get("userId", ""))
        if user is None:
            raise HTTPAnswer(401, "User not found", "UnauthorizedError")
        return Actor("user", user.id, dict(user.roles))

    def _service_token_actor(self, token: str) -> Actor:
        parts = token.split(".", 2)
        token_id = parts[1] if len(parts) > 1 else ""
        secret = parts[2].split(".")[0] if len(parts) > 2 else ""
        with self.state.lock:
            row = self.state.tokens.get(token_id)
            if row is None:
                raise HTTPAnswer(404, self._token_not_found(token_id, for_delete=False), "NotFound")
            if row.expires_at is not None and row.expires_at < time.time():
                del self.state.tokens[token_id]
                raise HTTPAnswer(403, "Service token has expired", "ForbiddenError")
            if self.state.hash_secret(secret) != row.secret_hash:
                raise HTTPAnswer(401, "Invalid service token", "UnauthorizedError")
            row.used_at = time.time()  # the server records a use later, not within the request
        return Actor("service", row.id, {row.project_id: "viewer"}, token=row)

    def _token_not_found(self, token_id: str, *, for_delete: bool) -> str:
        if self.state.mode == "new":
            return f"Service token with ID '{token_id}' not found"
        return "Token not found" if for_delete else "Service token not found"

    def require(self, actor: Actor | None, *kinds: str) -> Actor:
        if actor is None:
            raise HTTPAnswer(401, "Token missing", "UnauthorizedError")
        if actor.kind not in kinds:
            raise HTTPAnswer(403, "You are not allowed to access this resource", f"Forbidden access to {self.path}")
        return actor

    def project_for(self, actor: Actor, project_id: str, *, project_route: bool = False) -> tuple[Project, Role]:
        """The project and the actor's role in it. A project that does not exist answers as each server does:
        2024 500 on the project route (any ID) and 403 elsewhere; 2026 404, worded differently on the project
        route (``project_route``) and on folders, the folder tree, create and the token list."""
        project = self.state.projects.get(project_id)
        role = actor.roles.get(project_id)
        if project is None and self.state.mode == "old" and project_route:
            raise HTTPAnswer(500, "Something went wrong", "Failed to find project by id")
        if project is None and self.state.mode == "new":
            if project_route:
                raise HTTPAnswer(404, f"Project with ID '{project_id}' not found", "NotFound")
            raise HTTPAnswer(404, f"Project with {project_id} not found", "NotFound")
        if project is None or role is None:
            raise HTTPAnswer(
                403, "You are not allowed to access this resource", "User not a part of the specified project"
            )
        return project, role

    def permission_denied(self, action: str, subject: str) -> HTTPAnswer:
        details = [{"action": action, "inverted": False, "subject": subject, "conditions": None}]
        return HTTPAnswer(403, f"You are not allowed to {action} on {subject}", "PermissionDenied", details)

    def validation_failure(self, issues: list[dict[str, Any]]) -> HTTPAnswer:
        return HTTPAnswer(422 if self.state.mode == "new" else 401, issues, "ValidationFailure")


# ---------------------------------------------------------------------- validation (zod-like)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _expect(issues: list[dict[str, Any]], value: Any, expected: str, path: list[Any], nullable: bool = False) -> bool:
    if value is None and nullable:
        return True
    received = "undefined" if value is _MISSING else _type_name(value)
    if received == expected:
        return True
    message = "Required" if received == "undefined" else f"Expected {expected}, received {received}"
    issues.append(
        {"code": "invalid_type", "expected": expected, "received": received, "path": path, "message": message}
    )
    return False


_MISSING: Any = object()


def validate_create(body: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    issues: list[dict[str, Any]] = []
    if not isinstance(body, dict):
        _expect(issues, _MISSING if body is None else body, "object", [])
        return issues, {}
    clean: dict[str, Any] = {}
    for key in ("name", "workspaceId"):
        if _expect(issues, body.get(key, _MISSING), "string", [key]):
            clean[key] = body[key].strip()
    scopes = body.get("scopes", _MISSING)
    if _expect(issues, scopes, "array", ["scopes"]):
        if len(scopes) < 1:
            issues.append(
                {
                    "code": "too_small",
                    "minimum": 1,
                    "type": "array",
                    "inclusive": True,
                    "exact": False,
                    "message": "Array must contain at least 1 element(s)",
                    "path": ["scopes"],
                }
            )
        clean["scopes"] = []
        for i, scope in enumerate(scopes):
            if not _expect(issues, scope, "object", ["scopes", i]):
                continue
            env_ok = _expect(issues, scope.get("environment", _MISSING), "string", ["scopes", i, "environment"])
            path_ok = _expect(issues, scope.get("secretPath", _MISSING), "string", ["scopes", i, "secretPath"])
            if env_ok and path_ok:
                path = scope["secretPath"].strip()
                if path != "/" and path.endswith("/"):
                    path = path[:-1]
                clean["scopes"].append({"environment": scope["environment"].strip(), "secretPath": path})
    for key in ("encryptedKey", "iv", "tag"):
        if _expect(issues, body.get(key, _MISSING), "string", [key]):
            clean[key] = body[key].strip()
    if _expect(issues, body.get("expiresIn", _MISSING), "number", ["expiresIn"], nullable=True):
        clean["expiresIn"] = body["expiresIn"]
    permissions = body.get("permissions", _MISSING)
    if _expect(issues, permissions, "array", ["permissions"]):
        for i, permission in enumerate(permissions):
            if permission not in ("read", "write"):
                issues.append(
                    {
                        "received": permission,
                        "code": "invalid_enum_value",
                        "options": ["read", "write"],
                        "path": ["permissions", i],
                        "message": f"Invalid enum value. Expected 'read' | 'write', received '{permission}'",
                    }
                )
        clean["permissions"] = permissions
    return issues, clean


# ---------------------------------------------------------------------- routes


def list_projects(
    h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    actor = h.require(actor, "user", "identity")
    projects = [h.state.projects[pid].as_json() for pid in actor.roles if pid in h.state.projects]
    return 200, {"projects" if m.group("kind") == "projects" else "workspaces": projects}


def get_project(
    h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    actor = h.require(actor, "user", "identity", "service")
    project, _ = h.project_for(actor, m.group("id"), project_route=True)
    return 200, {"project" if m.group("kind") == "projects" else "workspace": project.as_json()}


def _folder_json(
    mode: Mode, env_id: str, path: str, folder_id: str, parent_id: str, with_path: bool = False
) -> dict[str, Any]:
    folder = {
        "id": folder_id,
        "name": path.rsplit("/", 1)[-1],
        "version": 1,
        "createdAt": "2026-11-27T22:47:26.630Z",
        "updatedAt": "2026-11-27T22:47:26.630Z",
        "envId": env_id,
        "parentId": parent_id,
        "isReserved": False,
    }
    if mode == "new":
        folder.update({"description": None, "lastSecretModified": folder["updatedAt"]})
    if with_path:
        folder["path"] = path
    return folder


def list_folders(
    h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    actor = h.require(actor, "user", "identity", "service")
    project_key = "projectId" if m.group("version") == "2" else "workspaceId"
    project_id = (q.get(project_key) or q.get("workspaceId") or [""])[0]
    if not project_id:
        raise h.validation_failure(
            [
                {
                    "code": "invalid_type",
                    "expected": "string",
                    "received": "undefined",
                    "path": [project_key],
                    "message": "Required",
                }
            ]
        )
    project, _ = h.project_for(actor, project_id)
    slug = (q.get("environment") or [""])[0]
    env = project.env(slug)
    if env is None:
        if h.state.mode == "new":
            raise HTTPAnswer(404, f"Environment with slug '{slug}' not found", "NotFound")
        raise HTTPAnswer(404, "Environment not found", "get folders")
    new = h.state.mode == "new"  # the 2024 server ignores directory= and recursive=true
    raw_path = (q.get("path") or (q.get("directory") if new else None) or ["/"])[0] or "/"
    path = "/" + raw_path.lstrip("/") if not raw_path.startswith("/") else raw_path
    if path != "/" and path.endswith("/"):
        path = path[:-1]
    recursive = new and (q.get("recursive") or ["false"])[0] == "true"
    prefix = "/" if path == "/" else path + "/"
    folders = []
    for full, folder_id in sorted(env.folders.items()):
        if full == "/" or not full.startswith(prefix):
            continue
        rest = full[len(prefix) :]
        if not recursive and "/" in rest:
            continue
        parent = full.rsplit("/", 1)[0] or "/"
        folders.append(
            _folder_json(h.state.mode, env.id, full, folder_id, env.folders[parent])
            | ({"relativePath": full} if recursive else {})
        )
    return 200, {"folders": folders}


def folder_tree(
    h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    actor = h.require(actor, "user", "identity")
    project, _ = h.project_for(actor, m.group("id"))
    tree: dict[str, Any] = {}
    for position, env in enumerate(project.environments, start=1):
        tree[env.slug] = {
            "id": env.id,
            "name": env.name,
            "slug": env.slug,
            "position": position,
            "projectId": project.id,
            "createdAt": project.created_at,
            "updatedAt": project.created_at,
            "folders": [
                _folder_json(
                    h.state.mode, env.id, path, fid, env.folders[path.rsplit("/", 1)[0] or "/"], with_path=True
                )
                for path, fid in sorted(env.folders.items())
                if path != "/"
            ],
        }
    return 200, tree


def create_token(
    h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    actor = h.require(actor, "user")
    issues, clean = validate_create(body)
    if issues:
        raise h.validation_failure(issues)
    project, role = h.project_for(actor, clean["workspaceId"])
    if role != "admin":
        raise h.permission_denied("create", "service-tokens")
    slugs = {s["environment"] for s in clean["scopes"]}
    if any(project.env(slug) is None for slug in slugs):
        message = "One or more selected environments not found" if h.state.mode == "new" else "Environment not found"
        raise HTTPAnswer(404, message, "NotFound")
    expires_in = clean["expiresIn"]
    expires_at = None if not expires_in else time.time() + math.trunc(expires_in)  # whole seconds, as the server
    if expires_at is not None and abs(expires_at) >= MAX_DATE_SECONDS:
        raise HTTPAnswer(500, "Something went wrong", "Create")
    secret = secrets.token_hex(16)
    row = ServiceTokenRow(
        id=str(uuid.uuid4()),
        name=clean["name"],
        project_id=project.id,
        scopes=clean["scopes"],
        permissions=clean["permissions"],
        expires_at=expires_at,
        secret_hash=h.state.hash_secret(secret),
        encrypted_key=clean["encryptedKey"],
        iv=clean["iv"],
        tag=clean["tag"],
        created_by=actor.id,
        last_used_delay=h.state.last_used_delay,
    )
    with h.state.lock:
        h.state.tokens[row.id] = row
    return 200, {"serviceToken": f"st.{row.id}.{secret}", "serviceTokenData": row.sanitized(h.state.mode)}


def token_self(
    h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    actor = h.require(actor, "service")
    assert actor.token is not None
    row = actor.token
    creator = h.state.users.get(row.created_by)
    data = row.sanitized(h.state.mode)
    data.update(
        {
            "secretHash": row.secret_hash,
            "encryptedKey": row.encrypted_key,
            "iv": row.iv,
            "tag": row.tag,
            "workspace": row.project_id,
            "user": {
                "authMethods": ["email"],
                "id": row.created_by,
                "createdAt": SEED_TIME,
                "updatedAt": SEED_TIME,
                "devices": [{"ip": "127.0.0.1", "userAgent": "python-requests"}],
                "email": creator.email if creator else None,
                "firstName": "Admin",
                "lastName": "User",
                "mfaMethods": None,
                "__v": 0,
                "_id": row.created_by,
            },
            "_id": row.id,
            "__v": 0,
        }
    )
    return 200, data


def delete_token(
    h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    actor = h.require(actor, "user")
    token_id = m.group("id").strip()
    with h.state.lock:
        row = h.state.tokens.get(token_id)
        if row is None:
            raise HTTPAnswer(404, h._token_not_found(token_id, for_delete=True), "NotFound")
        _, role = h.project_for(actor, row.project_id)
        if role != "admin":
            raise h.permission_denied("delete", "service-tokens")
        del h.state.tokens[token_id]
    return 200, {"serviceTokenData": row.sanitized(h.state.mode)}


def list_tokens(
    h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    actor = h.require(actor, "user")
    project, _ = h.project_for(actor, m.group("id"))
    rows = sorted((r for r in h.state.tokens.values() if r.project_id == project.id), key=lambda r: -r.created_at)
    return 200, {"serviceTokenData": [r.sanitized(h.state.mode) for r in rows]}


def _secret_json(mode: Mode, project: Project, env: Environment, path: str, secret: Secret) -> dict[str, Any]:
    """A secret as ``GET /api/v3/secrets/raw`` shows it; the keys differ between the generations."""
    data: dict[str, Any] = {
        "id": secret.id,
        "_id": secret.id,
        "workspace": project.id,
        "environment": env.slug,
        "version": 1,
        "type": "shared",
        "secretKey": secret.key,
        "secretValue": secret.value,
        "secretComment": "",
        "secretReminderNote": None,
        "secretReminderRepeatDays": None,
        "skipMultilineEncoding": False,
    }
    if mode == "old":
        data["metadata"] = None
    data.update({"createdAt": secret.created_at, "updatedAt": secret.created_at})
    if mode == "new":
        data.update({"isRotatedSecret": False, "rotationId": None})
    data["secretPath"] = path
    if mode == "new":
        data.update({"secretValueHidden": False, "secretMetadata": []})
    data["tags"] = []
    return data


def token_may_read(mode: Mode, row: ServiceTokenRow, environment: str, path: str) -> bool:
    """Whether a service token's rules allow reading ``path`` in ``environment``: some scope of that environment
    whose path, a picomatch glob, matches (``{strictSlashes: false}``). Rules are tried last scope first, as
    CASL does; on 2024 an empty scope path reached that way makes picomatch throw, so the read answers 500."""
    if "read" not in row.permissions:
        return False
    for scope in reversed(row.scopes):
        if scope["environment"] != environment:
            continue
        if scope["secretPath"] == "":
            if mode == "old":
                raise HTTPAnswer(500, "Something went wrong", "InternalServerError")
            continue  # 2026 guards against a blank glob: it matches nothing
        try:
            if compile_glob(scope["secretPath"])(path):
                return True
        except GlobSyntaxError:
            if mode == "old":
                raise HTTPAnswer(500, "Something went wrong", "InternalServerError") from None
    return False


def pinned_scope(row: ServiceTokenRow) -> dict[str, str] | None:
    """The scope every read of a token is pinned to: its only scope, when that scope's path is not a glob."""
    if len(row.scopes) == 1 and not scan_is_glob(row.scopes[0]["secretPath"]):
        return row.scopes[0]
    return None


def read_secrets(
    h: Handler, actor: Actor | None, m: re.Match[str], q: dict[str, list[str]], body: Any
) -> tuple[int, Any]:
    """``GET /api/v3/secrets/raw``: a folder's secrets, with each server's rules for service tokens (pinning,
    then a permission check: 403 on 2024, an empty list on 2026)."""
    actor = h.require(actor, "user", "identity", "service")
    mode = h.state.mode
    project_id = (q.get("workspaceId") or [""])[0]
    environment = (q.get("environment") or [""])[0]
    path = (q.get("secretPath") or ["/"])[0]
    if path != "/" and path.endswith("/"):
        path = path[:-1]
    row = actor.token
    if row is not None:
        pin = pinned_scope(row)
        if pin is not None:
            project_id, environment, path = row.project_id, pin["environment"], pin["secretPath"]
        project_id = project_id or row.project_id
    if not project_id or not environment:
        raise HTTPAnswer(400, "Missing workspace id or environment", "BadRequest")
    if row is not None:
        if project_id != row.project_id:
            raise HTTPAnswer(
                403, "Failed to find service authorization for given project", "ServiceTokenProjectPermission"
            )
        project = h.state.projects[row.project_id]
        if mode == "new" and "read" not in row.permissions:  # no read rule at all: refused, as for an identity
            raise h.permission_denied("describeSecret", "secrets")
        if not token_may_read(mode, row, environment, path):
            if mode == "old":
                raise HTTPAnswer(403, "You are not allowed to read on secrets", "PermissionDenied")
            return 200, {"secrets": [], "imports": []}
    else:
        from .identities import identity_read

        allowed = identity_read(h, actor, project_id, environment, path) if actor.kind == "identity" else None
        if allowed is False:
            return 200, {"secrets": [], "imports": []}
        project = h.state.projects[project_id] if allowed else h.project_for(actor, project_id)[0]
    folder = "/" + path.lstrip("/") if mode == "new" and path else path  # 2024 looks `backend` up as it is
    env = project.env(environment)  # an unknown environment or folder reads nothing
    found = [] if env is None else [_secret_json(mode, project, env, folder, s) for s in env.secrets.get(folder, [])]
    answer: dict[str, Any] = {"secrets": found}
    if mode == "new" or (q.get("include_imports") or [""])[0] == "true":
        answer["imports"] = []
    return 200, answer


BOTH: tuple[Mode, ...] = ("old", "new")
NEW: tuple[Mode, ...] = ("new",)
OLD: tuple[Mode, ...] = ("old",)
ROUTES: list[tuple[str, re.Pattern[str], tuple[Mode, ...], Route]] = [
    ("GET", re.compile(r"/api/v1/(?P<kind>workspace)"), BOTH, list_projects),
    ("GET", re.compile(r"/api/v1/(?P<kind>projects)"), NEW, list_projects),
    ("GET", re.compile(r"/api/v1/(?P<kind>workspace)/(?P<id>[^/]+)"), OLD, get_project),
    ("GET", re.compile(r"/api/v1/(?P<kind>workspace|projects)/(?P<id>[^/]*)"), NEW, get_project),
    ("GET", re.compile(r"/api/v(?P<version>1)/folders"), BOTH, list_folders),
    ("GET", re.compile(r"/api/v(?P<version>2)/folders"), NEW, list_folders),
    ("GET", re.compile(r"/api/v1/projects/(?P<id>[^/]+)/environment-folder-tree"), NEW, folder_tree),
    ("POST", re.compile(r"/api/v2/service-token/?"), BOTH, create_token),
    ("GET", re.compile(r"/api/v2/service-token/?"), BOTH, token_self),
    ("DELETE", re.compile(r"/api/v2/service-token/(?P<id>[^/]+)"), BOTH, delete_token),
    ("GET", re.compile(r"/api/v3/secrets/raw"), BOTH, read_secrets),
    ("GET", re.compile(r"/api/v1/workspace/(?P<id>[^/]+)/service-token-data"), OLD, list_tokens),
    ("GET", re.compile(r"/api/v1/projects/(?P<id>[^/]+)/service-token-data"), NEW, list_tokens),
]


from .identities import IDENTITY_ROUTES  # noqa: E402  (its routes use the plumbing above)

ROUTES += IDENTITY_ROUTES
