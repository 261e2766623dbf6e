"""The Infisical HTTP API, as typed calls with typed errors.

One ``requests.Session`` per client (and so per base URL). Every call has a timeout. GETs are
retried on 429/502/503/504 (and on older servers' rate limit, a 500 with ``Retry-After``) honouring
``Retry-After``, and on a dropped connection; a create is never retried, since a retry could mint a
second token. Where servers moved a route, the newer one is tried first and the client remembers
which one answered.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import requests
import requests.auth
import urllib3

from . import __version__
from .errors import (
    APIError,
    ConnectionDropped,
    ConnectionRefused,
    DNSFailure,
    MalformedAnswer,
    NotFound,
    RateLimited,
    Timeout,
    TLSFailure,
    TransportError,
    UsageError,
    api_error_from,
)
from .models import CreatedToken, Generation, ProjectInfo, TokenInfo

RETRY_STATUSES = frozenset({429, 502, 503, 504})
TOKEN_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,127}")  # UUIDs (and older 24-hex ObjectIds); no / or ..
SERVER_TOKEN = re.compile(rf"st\.{TOKEN_ID.pattern}\.[0-9A-Za-z]{{1,256}}")  # st.<id>.<secret>, as a create answers
# where servers moved a route: newest first ({id} is the URL-encoded project ID)
TOKENS_ROUTES = ("/v1/projects/{id}/service-token-data", "/v1/workspace/{id}/service-token-data")
PROJECT_ROUTES = ("/v1/workspace/{id}", "/v1/projects/{id}")
TREE_ROUTES = ("/v1/projects/{id}/environment-folder-tree",)
USER_AGENT = f"infisical-tokens/{__version__}"


def _transport_error(method: str, url: str, err: BaseException) -> TransportError:
    text = repr(err)
    if isinstance(err, requests.exceptions.SSLError):
        return TLSFailure(method, url, _short(err))
    if isinstance(err, requests.exceptions.Timeout):
        return Timeout(method, url)
    if "NameResolution" in text or "getaddrinfo" in text or "Name or service not known" in text:
        return DNSFailure(method, url)
    if "Connection refused" in text or "ConnectionRefusedError" in text:
        return ConnectionRefused(method, url)
    if "RemoteDisconnected" in text or "Connection aborted" in text or "Connection reset" in text:
        return ConnectionDropped(method, url)
    return TransportError(method, url, _short(err))


def _short(err: BaseException) -> str:
    text = str(err)
    return text if len(text) < 200 else text[:200] + "..."


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        wait = float(value)
    except ValueError:
        return None
    return wait if 0 <= wait < 86400 else None  # nan, inf and negatives are not waits


_NOT_JSON = object()
NOT_JSON = "the server answered with something that is not JSON"
MAX_ANSWER_BYTES = 16_000_000  # a 5,000-folder tree is about 1 MB


def _json_or_none(content: bytes) -> Any:
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return _NOT_JSON


def _tree_from(data: Any, url: str) -> dict[str, list[str]]:
    """``{slug: {"folders": [{"path": "/a/b"}, ...]}}`` as every path per slug, or a MalformedAnswer.

    Every shape is checked here, at the boundary: a tree that is not one must read as the server answering
    something unexpected, never as a Python error further in. Paths holding characters no folder name may
    hold (controls, escapes) are left out, as :meth:`InfisicalClient.list_folders` leaves out such names.
    """

    def malformed(what: str) -> MalformedAnswer:
        return MalformedAnswer(
            method="GET", url=url, status=200, message=f"the folder tree is not what Infisical sends ({what})"
        )

    if not isinstance(data, dict):
        raise malformed("not an object keyed by environment")
    tree: dict[str, list[str]] = {}
    for slug, env in data.items():
        folders = env.get("folders") if isinstance(env, dict) else None
        if not isinstance(folders, list):
            raise malformed("an environment without a list of folders")
        paths = set()
        for folder in folders:
            path = folder.get("path") if isinstance(folder, dict) else None
            if not isinstance(path, str) or not path.startswith("/") or (path != "/" and "" in path.split("/")[1:]):
                raise malformed("a folder without an absolute path")
            if path != "/" and path.isprintable():
                paths.add(path)
        tree[slug] = ["/", *sorted(paths)]
    return tree


class _Bearer(requests.auth.AuthBase):
    """``Authorization: Bearer <token>``, or no header at all (never a netrc or URL login)."""

    def __init__(self, token: str | None) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "_Bearer(<hidden>)"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.pop("Authorization", None)
        if self._token:
            request.headers["Authorization"] = f"Bearer {self._token}"
        return request


def _is_missing_route(err: APIError) -> bool:
    """Fastify's answer for a route this server does not have (as opposed to a missing record)."""
    return isinstance(err, NotFound) and err.message.startswith("Route ")


DEFAULT_TIMEOUT = (10.0, 30.0)  # seconds to connect, seconds to wait for an answer (INFISICAL_TOKENS_TIMEOUT: both)
PATIENCE = 1.0  # seconds of silence before a person at a terminal is told what a request is waiting for


class InfisicalClient:
    def __init__(
        self,
        api_url: str,
        bearer: str | None,
        *,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        headers: Mapping[str, str] | None = None,
        retries: int = 3,
        max_retry_wait: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        waiting: Callable[[str], None] | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self.deadline = sum(timeout) if isinstance(timeout, tuple) else 2 * timeout  # for a whole exchange
        self.retries = retries
        self.max_retry_wait = max_retry_wait
        self._sleep = sleep
        self._waiting = waiting  # told what a request waits for (after PATIENCE seconds) and what it retries
        self._bearer = bearer
        self._routes: dict[tuple[str, ...], str] = {}  # route templates -> the one this server answers
        self._budget: dict[str, tuple[int, float]] = {}  # path -> (reads left, when the budget resets)
        self.has_tree_route: bool | None = None  # None: not asked yet
        self._probed: Generation | None = None  # what learn_generation's own probe found
        self.project_source: str | None = None  # where the project ID came from (named in unknown-project hints)
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
        self.session.headers.update(dict(headers or {}))

    def __repr__(self) -> str:
        return f"InfisicalClient({self.api_url!r})"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> InfisicalClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ transport
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        retry: bool | None = None,
        bearer: str | None = None,
    ) -> Any:
        url = self.api_url + path
        retry = method == "GET" if retry is None else retry
        token = bearer if bearer is not None else self._bearer
        secrets = tuple(t for t in (token, self._bearer) if t)
        attempt = 0
        while True:
            try:
                status, headers, content = self._exchange(method, url, params, body, token)
            except TransportError as dropped:
                if retry and isinstance(dropped, ConnectionDropped) and attempt < self.retries:
                    attempt += 1
                    delay = min(0.25 * 2**attempt, self.max_retry_wait)
                    self._say(f"The connection to {self.api_url} dropped; retrying {method} {path} in {delay:g} s")
                    self._sleep(delay)
                    continue
                raise
            self._note_budget(path, headers)
            data = _json_or_none(content)
            if 300 <= status < 400:
                raise APIError(
                    method=method,
                    url=url,
                    status=status,
                    message="the server answered with a redirect, which is not followed (credentials stay here)",
                )
            if status < 400:
                if data is _NOT_JSON:
                    raise MalformedAnswer(method=method, url=url, status=status, message=NOT_JSON)
                return data
            wait = _retry_after(headers)
            text = content[:2000].decode("utf-8", errors="replace")
            error = api_error_from(
                method, url, status, None if data is _NOT_JSON else data, text, wait, secrets=secrets
            )
            if self.project_source is not None:
                error.came_from(self.project_source)
            retryable = status in RETRY_STATUSES or isinstance(error, RateLimited)
            if retry and retryable and attempt < self.retries:
                said = error.retry_after  # Retry-After, or the seconds a 429's message names
                delay = said if said is not None else min(0.5 * 2**attempt, self.max_retry_wait)
                if delay <= self.max_retry_wait:
                    attempt += 1
                    self._say(
                        f"{self.api_url} answered {status}; retrying {method} {path} in {delay:g} s "
                        f"(retry {attempt} of {self.retries})"
                    )
                    self._sleep(delay)
                    continue
            raise error

    def _exchange(
        self, method: str, url: str, params: Mapping[str, str] | None, body: Any, token: str | None
    ) -> tuple[int, Mapping[str, str], bytes]:
        """One request and its whole answer, within a total deadline and a size cap.

        ``requests`` only bounds each read, so a server trickling a byte at a time would never be given up
        on: the exchange runs in a daemon thread that is abandoned at the deadline.
        """
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=body,
                    auth=_Bearer(token),  # an explicit auth: requests never swaps in ~/.netrc's Basic auth
                    timeout=self.timeout,
                    stream=True,
                    allow_redirects=False,
                )
                try:
                    content = response.raw.read(MAX_ANSWER_BYTES + 1, decode_content=True)
                finally:
                    response.close()
                outcome["answer"] = (response.status_code, response.headers, content)
            except BaseException as err:  # handed to the caller's thread below
                outcome["error"] = err

        worker = threading.Thread(target=work, name="infisical-request", daemon=True)
        worker.start()
        worker.join(min(PATIENCE, self.deadline))
        if worker.is_alive():
            self._say(f"Waiting for {url.split('?')[0]} ({method})")
            worker.join(max(0.0, self.deadline - PATIENCE))
        if worker.is_alive():
            raise Timeout(method, url, f"no complete answer within {self.deadline:g} seconds")
        if "error" in outcome:
            err = outcome["error"]
            if isinstance(err, (requests.RequestException, urllib3.exceptions.HTTPError, OSError)):
                raise _transport_error(method, url, err) from None
            if isinstance(err, UnicodeError):
                raise UsageError(
                    "A credential or INFISICAL_CUSTOM_HEADERS value holds characters HTTP headers cannot carry."
                ) from None
            raise err
        status, headers, content = outcome["answer"]
        if len(content) > MAX_ANSWER_BYTES:
            raise MalformedAnswer(
                method=method,
                url=url,
                status=status,
                message=f"the answer is larger than {MAX_ANSWER_BYTES // 1_000_000} MB; nothing of it was used",
            )
        return status, headers, content

    def _say(self, text: str) -> None:
        if self._waiting is not None:
            self._waiting(text + "…")

    def _note_budget(self, path: str, headers: Mapping[str, str]) -> None:
        """Remember the server's ``x-ratelimit-*`` answer for this route, so walks stop before it runs out."""
        remaining, reset = headers.get("x-ratelimit-remaining"), headers.get("x-ratelimit-reset")
        if remaining is None:
            return
        try:
            reset_in = float(reset or 60)
            if not 0 <= reset_in <= 3600:
                return
            self._budget[path] = (int(remaining), time.time() + reset_in)
        except ValueError:
            return

    def remaining(self, path: str) -> tuple[int, float] | None:
        """(reads left, when the budget resets) for a route, when the server said; None once the window passed."""
        known = self._budget.get(path)
        if known is None or known[1] <= time.time():
            return None
        return known

    @property
    def generation(self) -> Generation | None:
        """The server's generation, from the routes it was found to have (None: nothing has told yet)."""
        if self.has_tree_route is not None:
            return "2026" if self.has_tree_route else "2024"
        tokens = self._routes.get(TOKENS_ROUTES)
        if tokens is not None:
            return "2026" if tokens == TOKENS_ROUTES[0] else "2024"
        return self._probed

    def learn_generation(self, project_id: str) -> Generation | None:
        """The generation, asking one cheap route when nothing has told yet: a 2026 server has
        ``GET /v1/projects/:id`` (whatever it then says of the project), a 2024 one answers Fastify's 404 for
        it. None when the server cannot say (unreachable, failing): then faces say what each generation does."""
        if self.generation is not None or not project_id.strip():
            return self.generation
        try:
            self.request("GET", f"/v1/projects/{quote(project_id, safe='')}")
            self._probed = "2026"
        except APIError as err:
            if _is_missing_route(err):
                self._probed = "2024"
            elif err.status in (401, 403, 404, 429):
                self._probed = "2026"
        except TransportError:
            return None
        return self._probed

    def _with_fallback(self, templates: tuple[str, ...], project_id: str, **kwargs: Any) -> Any:
        """Try route templates newest first; remember which template (never which project) this server has."""
        if not project_id.strip():
            raise UsageError("No project ID: pass --projectId, set INFISICAL_PROJECT_ID, or run `infisical init`.")
        segment = quote(project_id, safe="")
        known = self._routes.get(templates)
        candidates = (known,) if known is not None else templates
        last: APIError | None = None
        for template in candidates:
            try:
                result = self.request("GET", template.format(id=segment), **kwargs)
            except APIError as err:
                if _is_missing_route(err):
                    last = err
                    continue
                raise
            self._routes[templates] = template
            return result
        assert last is not None
        raise last

    def _shaped(self, method: str, path: str, data: Any, key: str | None, kind: type) -> Any:
        """``data[key]`` (or ``data``) when it is a ``kind``; a MalformedAnswer naming what was expected if not."""
        value = data.get(key) if key is not None and isinstance(data, dict) else data
        if key is not None and not isinstance(data, dict):
            value = None
        if isinstance(value, kind):
            return value
        what = f"an object with '{key}'" if key else f"a JSON {kind.__name__}"
        raise MalformedAnswer(
            method=method, url=self.api_url + path, status=200, message=f"the answer is not {what}, as Infisical sends"
        )

    # ------------------------------------------------------------------ service tokens
    def create_service_token(self, body: Mapping[str, Any]) -> CreatedToken:
        """The created token as soon as the answer has one; its metadata is optional (a token is never lost).

        Whitespace around the token (a proxy's trailing newline) is not part of it; an answer without a usable
        token is a MalformedAnswer with the 2xx status, which the caller reports as "the token may exist".
        """
        data = self.request("POST", "/v2/service-token/", body=dict(body), retry=False)
        raw = self._shaped("POST", "/v2/service-token/", data, "serviceToken", str)
        token = raw.strip()
        if not SERVER_TOKEN.fullmatch(token):
            raise MalformedAnswer(
                method="POST",
                url=self.api_url + "/v2/service-token/",
                status=200,
                message="the answer's serviceToken is not a service token (st.<id>.<secret>)",
            )
        metadata = data.get("serviceTokenData")
        info = TokenInfo.from_json(metadata if isinstance(metadata, dict) else {})
        if not info.id:
            info = TokenInfo.from_json({**(metadata if isinstance(metadata, dict) else {}), "id": token.split(".")[1]})
        return CreatedToken(token, info)

    def list_service_tokens(self, project_id: str) -> list[TokenInfo]:
        data = self._with_fallback(TOKENS_ROUTES, project_id)
        rows = self._shaped("GET", "/v1/.../service-token-data", data, "serviceTokenData", list)
        return [TokenInfo.from_json(row) for row in rows if isinstance(row, dict)]

    def service_token_details(self, service_token: str) -> TokenInfo:
        """``GET /v2/service-token`` authenticated as the token itself (its first three segments)."""
        bearer = ".".join(service_token.split(".")[:3])
        data = self.request("GET", "/v2/service-token", bearer=bearer)
        return TokenInfo.from_json(self._shaped("GET", "/v2/service-token", data, None, dict))

    def delete_service_token(self, token_id: str) -> TokenInfo:
        if not TOKEN_ID.fullmatch(token_id):
            raise UsageError(f"'{token_id[:80]}' is not a token ID (the IDs `list` shows look like 3f2a...-...).")
        data = self.request("DELETE", f"/v2/service-token/{quote(token_id, safe='')}", retry=False)
        row = data.get("serviceTokenData") if isinstance(data, dict) else None
        return TokenInfo.from_json(row if isinstance(row, dict) else {"id": token_id})

    # ------------------------------------------------------------------ projects and folders
    def get_project(self, project_id: str) -> ProjectInfo:
        data = self._with_fallback(PROJECT_ROUTES, project_id)
        project = data.get("workspace") or data.get("project") if isinstance(data, dict) else None
        return ProjectInfo.from_json(self._shaped("GET", "/v1/workspace/{id}", {"p": project}, "p", dict))

    def list_projects(self) -> list[ProjectInfo]:
        data = self.request("GET", "/v1/workspace")
        found = data.get("workspaces") or data.get("projects") if isinstance(data, dict) else None
        rows = self._shaped("GET", "/v1/workspace", {"p": found if found is not None else []}, "p", list)
        return [ProjectInfo.from_json(p) for p in rows if isinstance(p, dict)]

    def list_folders(self, project_id: str, environment: str, path: str = "/") -> list[str]:
        """Names of the folders directly inside ``path``."""
        data = self.request(
            "GET", "/v1/folders", params={"workspaceId": project_id, "environment": environment, "path": path}
        )
        rows = self._shaped("GET", "/v1/folders", data, "folders", list)
        names = (f.get("name") for f in rows if isinstance(f, dict))
        return [n for n in names if isinstance(n, str) and n and "/" not in n and n.isprintable()]

    def whole_folder_tree(self, project_id: str) -> dict[str, list[str]] | None:
        """Every folder path per environment slug (``"/"`` included) in one call; None where the server
        has no such route (older servers: see :mod:`folders` for reading them folder by folder)."""
        if self.has_tree_route is False:
            return None
        try:
            data = self._with_fallback(TREE_ROUTES, project_id)
        except APIError as err:
            if not _is_missing_route(err):
                raise
            self.has_tree_route = False
            return None
        self.has_tree_route = True
        return _tree_from(data, self.api_url + TREE_ROUTES[0].format(id=quote(project_id, safe="")))
