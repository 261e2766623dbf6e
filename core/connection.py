"""Connection plumbing, once for every workflow and face: credentials, where they may go, a client for it, and a
catalog fed by it.

Apart from the workflows so that ``check``, ``migrate`` and shell completion connect the same way without
importing them (and without an import circle).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from . import project_config
from .errors import ConfigError, SessionError
from .needs import Need
from .record import record

# the login (session), the folder walk and the HTTP client are imported by the functions that use them: ``check``
# imports this module and connects only when ``--online`` (benchmarks/bench_cli.py)
if TYPE_CHECKING:
    from .api import InfisicalClient
    from .catalog import Catalog
    from .context import Context
    from .project_config import ProjectConfig
    from .session import Credentials, Target


@record(frozen=False)
class Connection:
    """A client for the API URL these credentials may go to, with the credentials and that target."""

    client: InfisicalClient
    credentials: Credentials
    target: Target


def timeout_from(env: Mapping[str, str]) -> float | tuple[float, float]:
    """``INFISICAL_TOKENS_TIMEOUT`` seconds for both connecting and answering, else the client's default."""
    raw = env.get("INFISICAL_TOKENS_TIMEOUT", "").strip()
    if not raw:
        from .api import DEFAULT_TIMEOUT

        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"INFISICAL_TOKENS_TIMEOUT must be a number of seconds, not '{raw}'.") from None
    if not 0 < value < 3600:
        raise ConfigError("INFISICAL_TOKENS_TIMEOUT must be more than 0 and less than 3600 seconds.")
    return value


def client_for(target: Target, bearer: str | None, ctx: Context) -> InfisicalClient:
    """A client for ``target`` with the process's timeout and custom headers."""
    from .api import InfisicalClient
    from .session import custom_headers

    return InfisicalClient(
        target.api_url, bearer, timeout=timeout_from(ctx.env), headers=custom_headers(ctx.env), waiting=ctx.waiting
    )


def connect(
    ctx: Context, config: ProjectConfig | None, domain: str | None = None, explicit_project: str | None = None
) -> Connection:
    """Credentials, the API URL they may go to (trust rule included), and a client for it that names where the
    project ID came from when the server does not know the project."""
    from .session import load_credentials, resolve_target

    if ctx.credentials_refused is not None:
        raise SessionError(ctx.credentials_refused)
    credentials = load_credentials(ctx.env, ctx.home)
    chosen, where = (domain, "--domain") if domain is not None else (ctx.domain, ctx.domain_from)
    target = resolve_target(chosen, ctx.env, config, credentials, where)
    for note in target.notes:
        ctx.warn(note)
    client = client_for(target, credentials.bearer, ctx)
    client.project_source = project_config.source(explicit_project, ctx.project_id, ctx.env, config)
    return Connection(client, credentials, target)


def open_catalog(connection: Connection, ctx: Context) -> Catalog:
    """A catalog of environments, folders and projects, fed by this connection in the background.

    It reads only what editors ask for (the top level of each environment, and the subtrees of the scopes
    in open documents or being completed), through the per-user folder cache, within the server's budget.
    """
    from . import folders
    from .catalog import Catalog, Loaded

    client = connection.client
    cache = folders.cache_dir()

    def fetch(project_id: str, needs: frozenset[Need]) -> Loaded:
        project = client.get_project(project_id)
        slugs = [e.slug for e in project.environments]
        store = folders.FolderStore(client.api_url, project_id, cache)
        top = [Need(slug, "/", deep=False) for slug in slugs]
        result = folders.read(client, project_id, [*top, *sorted(needs, key=repr)], store)
        listed = None if store.is_whole(slugs) else store.listed()
        tree = folders.as_tree(store, slugs)
        generation = client.learn_generation(project_id)
        return Loaded(project, tree, listed, result.note(), result.rate_limited_until, generation)

    def forget(project_id: str) -> None:
        folders.FolderStore(client.api_url, project_id, cache).forget()

    return Catalog(fetch, client.list_projects, forget=forget)


def require_user(credentials: Credentials, action: str) -> None:
    """Only a user login may create or delete service tokens (the server refuses anything else)."""
    if credentials.kind == "service":
        raise SessionError(
            f"INFISICAL_TOKEN holds a service token, which cannot {action} service tokens. "
            "Unset it to use your `infisical login`, or set it to a user access token."
        )
    if credentials.kind == "identity":
        raise SessionError(
            f"INFISICAL_TOKEN holds a machine identity token; the server lets only a user login {action} service "
            "tokens. Unset it to use your `infisical login`."
        )
