"""The Infisical HTTP API, as typed calls with typed errors.

One ``requests.Session`` per client (and so per base URL). Every call has a timeout. GETs are
retried on 429/502/503/504 (and on older servers' rate limit, a 500 with ``Retry-After``) honouring
``Retry-After``, and on a dropped connection; a create is never retried, since a retry could mint a
second token. Where servers moved a route, the newer one is tried first and the client remembers
which one answered.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import requests

from . import __version__
from .errors import (
    APIError,
    ConnectionDropped,
    ConnectionRefused,
    DNSFailure,
    NotFound,
    RateLimited,
    Timeout,
    TLSFailure,
    TransportError,
    UsageError,
    api_error_from,
)
from .models import CreatedToken, ProjectInfo, TokenInfo

RETRY_STATUSES = frozenset({429, 502, 503, 504})
# where servers moved a route: newest first ({id} is the URL-encoded project ID)
TOKENS_ROUTES = ("/v1/projects/{id}/service-token-data", "/v1/workspace/{id}/service-token-data")
PROJECT_ROUTES = ("/v1/workspace/{id}", "/v1/projects/{id}")
TREE_ROUTES = ("/v1/projects/{id}/environment-folder-tree",)
USER_AGENT = f"infisical-tokens/{__version__}"


def _transport_error(method: str, url: str, err: requests.RequestException) -> TransportError:
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


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _is_missing_route(err: APIError) -> bool:
    """Fastify's answer for a route this server does not have (as opposed to a missing record)."""
    return isinstance(err, NotFound) and err.message.startswith("Route ")


class InfisicalClient:
    def __init__(
        self,
        api_url: str,
        bearer: str | None,
        *,
        timeout: float | tuple[float, float] = (10.0, 30.0),
        headers: Mapping[str, str] | None = None,
        retries: int = 3,
        max_retry_wait: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.max_retry_wait = max_retry_wait
        self._sleep = sleep
        self._bearer = bearer
        self._routes: dict[tuple[str, ...], str] = {}  # route templates -> the one this server answers
        self._budget: dict[str, tuple[int, float]] = {}  # path -> (reads left, when the budget resets)
        self.has_tree_route: bool | None = None  # None: not asked yet
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
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        attempt = 0
        while True:
            try:
                response = self.session.request(
                    method, url, params=params, json=body, headers=headers, timeout=self.timeout
                )
            except requests.RequestException as err:
                error: TransportError | APIError = _transport_error(method, url, err)
                if retry and isinstance(error, ConnectionDropped) and attempt < self.retries:
                    attempt += 1
                    self._sleep(min(0.25 * 2**attempt, self.max_retry_wait))
                    continue
                raise error from None
            self._note_budget(path, response)
            if response.status_code < 400:
                try:
                    return response.json()
                except ValueError:
                    raise APIError(
                        method=method,
                        url=url,
                        status=response.status_code,
                        message="the server answered with something that is not JSON",
                    ) from None
            wait = _retry_after(response)
            try:
                data = response.json()
            except ValueError:
                data = None
            error = api_error_from(method, url, response.status_code, data, response.text, wait)
            retryable = response.status_code in RETRY_STATUSES or isinstance(error, RateLimited)
            if retry and retryable and attempt < self.retries:
                delay = wait if wait is not None else min(0.5 * 2**attempt, self.max_retry_wait)
                if delay <= self.max_retry_wait:
                    attempt += 1
                    self._sleep(delay)
                    continue
            raise error

    def _note_budget(self, path: str, response: requests.Response) -> None:
        """Remember the server's ``x-ratelimit-*`` answer for this route, so walks stop before it runs out."""
        remaining, reset = response.headers.get("x-ratelimit-remaining"), response.headers.get("x-ratelimit-reset")
        if remaining is None:
            return
        try:
            self._budget[path] = (int(remaining), time.time() + float(reset or 60))
        except ValueError:
            return

    def remaining(self, path: str) -> tuple[int, float] | None:
        """(reads left, when the budget resets) for a route, when the server said; None once the window passed."""
        known = self._budget.get(path)
        if known is None or known[1] <= time.time():
            return None
        return known

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

    # ------------------------------------------------------------------ service tokens
    def create_service_token(self, body: Mapping[str, Any]) -> CreatedToken:
        data = self.request("POST", "/v2/service-token/", body=dict(body), retry=False)
        return CreatedToken(str(data["serviceToken"]), TokenInfo.from_json(data.get("serviceTokenData") or {}))

    def list_service_tokens(self, project_id: str) -> list[TokenInfo]:
        data = self._with_fallback(TOKENS_ROUTES, project_id)
        return [TokenInfo.from_json(row) for row in data.get("serviceTokenData") or []]

    def service_token_details(self, service_token: str) -> TokenInfo:
        """``GET /v2/service-token`` authenticated as the token itself (its first three segments)."""
        bearer = ".".join(service_token.split(".")[:3])
        return TokenInfo.from_json(self.request("GET", "/v2/service-token", bearer=bearer))

    def delete_service_token(self, token_id: str) -> TokenInfo:
        data = self.request("DELETE", f"/v2/service-token/{token_id}", retry=False)
        return TokenInfo.from_json(data.get("serviceTokenData") or {})

    # ------------------------------------------------------------------ projects and folders
    def get_project(self, project_id: str) -> ProjectInfo:
        data = self._with_fallback(PROJECT_ROUTES, project_id)
        return ProjectInfo.from_json(data.get("workspace") or data.get("project") or {})

    def list_projects(self) -> list[ProjectInfo]:
        data = self.request("GET", "/v1/workspace")
        return [ProjectInfo.from_json(p) for p in data.get("workspaces") or data.get("projects") or []]

    def list_folders(self, project_id: str, environment: str, path: str = "/") -> list[str]:
        """Names of the folders directly inside ``path``."""
        data = self.request(
            "GET", "/v1/folders", params={"workspaceId": project_id, "environment": environment, "path": path}
        )
        return [str(f.get("name", "")) for f in data.get("folders") or []]

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
        tree = {}
        for slug, env in (data if isinstance(data, dict) else {}).items():
            folders = env.get("folders") if isinstance(env, dict) else None
            paths = {str(f.get("path", "")) for f in folders or [] if isinstance(f, dict) and f.get("path")}
            tree[str(slug)] = ["/", *sorted(paths)]
        return tree

    def folder_tree(self, project_id: str, environments: list[str] | None = None) -> dict[str, list[str]]:
        """Every folder of every environment: one call on newer servers, a full walk on older ones (which a
        rate limit may cut short: callers that can say so use :func:`folders.read` with their needs instead)."""
        from .folders import FolderStore, Need, read

        tree = self.whole_folder_tree(project_id)
        if tree is not None:
            return tree
        slugs = (
            environments if environments is not None else [e.slug for e in self.get_project(project_id).environments]
        )
        store = FolderStore(self.api_url, project_id, None)
        result = read(self, project_id, [Need(slug, "/") for slug in slugs], store)
        if result.rate_limited_until is not None:
            raise RateLimited(
                method="GET",
                url=self.api_url + "/v1/folders",
                status=429,
                message="the folder walk ran out of the server's read budget",
                retry_after=max(1.0, result.rate_limited_until - time.time()),
            )
        return {slug: store.paths(slug) for slug in slugs}
