"""The four service-token operations, shared by the command line and the IPython magic.

Each face parses with :mod:`command`, then calls these to resolve the project, the credentials and
the API URL, check against the project's environments, and send. No printing happens here.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import command
from .errors import APIError, ConfigError, Forbidden, NotFound, ProblemsError, SessionError, TransportError, UsageError
from .glob import compile_glob
from .problems import Problem
from .project import NOT_LINKED, ProjectConfig, load_project_config
from .scope import check_environment
from .session import Credentials, Target, custom_headers, load_credentials, resolve_target

if TYPE_CHECKING:
    from .api import InfisicalClient
    from .catalog import Catalog
    from .models import CreatedToken, ProjectInfo, TokenInfo


@dataclass(frozen=True)
class Context:
    """What the process sees: environment variables, working directory, home directory."""

    env: Mapping[str, str]
    cwd: Path
    home: Path


@dataclass
class Connection:
    client: InfisicalClient
    credentials: Credentials
    target: Target


@dataclass
class CreatePlan:
    options: command.CreateOptions
    project_id: str
    config: ProjectConfig | None
    problems: list[Problem] = field(default_factory=list)

    def body(self, random_bytes: str) -> dict[str, Any]:
        """The request body, keys in the CLI's order (all nine; the server ignores ``randomBytes``)."""
        return {
            "name": self.options.name,
            "workspaceId": self.project_id,
            "scopes": [s.scope.as_request() for s in self.options.scopes],
            "expiresIn": self.options.expiry_seconds,
            "encryptedKey": "",
            "iv": "",
            "tag": "",
            "randomBytes": random_bytes,
            "permissions": list(self.options.access_levels),
        }


@dataclass(frozen=True)
class CreateResult:
    token: str = field(repr=False)  # st.<id>.<secret>.<randomBytes>, as the CLI prints it
    info: TokenInfo
    plan: CreatePlan


def timeout_from(env: Mapping[str, str]) -> float | tuple[float, float]:
    raw = env.get("INFISICAL_TOKENS_TIMEOUT", "").strip()
    if not raw:
        return (10.0, 30.0)
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"INFISICAL_TOKENS_TIMEOUT must be a number of seconds, not '{raw}'.") from None
    if value <= 0:
        raise ConfigError("INFISICAL_TOKENS_TIMEOUT must be more than 0 seconds.")
    return value


def project_config(ctx: Context) -> ProjectConfig | None:
    return load_project_config(ctx.cwd)


def resolve_project_id(explicit: str | None, ctx: Context, config: ProjectConfig | None) -> str:
    """``--projectId``, then ``INFISICAL_PROJECT_ID``, then the nearest ``.infisical.json``."""
    if explicit:
        return explicit
    from_env = ctx.env.get("INFISICAL_PROJECT_ID", "").strip()
    if from_env:
        return from_env
    if config is None:
        raise UsageError(NOT_LINKED)
    if not config.workspace_id.strip():
        raise UsageError(f"{config.path} has no workspaceId. {NOT_LINKED}")
    return config.workspace_id.strip()


def client_for(target: Target, bearer: str | None, ctx: Context) -> InfisicalClient:
    """A client for ``target`` with the process's timeout and custom headers."""
    from .api import InfisicalClient

    return InfisicalClient(target.api_url, bearer, timeout=timeout_from(ctx.env), headers=custom_headers(ctx.env))


def connect_to(domain: str | None, ctx: Context, config: ProjectConfig | None) -> Connection:
    """Credentials, the API URL they may go to (trust rule included), and a client for it."""
    credentials = load_credentials(ctx.env, ctx.home)
    target = resolve_target(domain, ctx.env, config, credentials)
    return Connection(client_for(target, credentials.bearer, ctx), credentials, target)


def connect(parsed: command.ParsedCommand, ctx: Context, config: ProjectConfig | None) -> Connection:
    return connect_to(parsed.string("domain"), ctx, config)


def open_catalog(connection: Connection) -> Catalog:
    """A catalog of environments, folder trees and projects, fed by this connection in the background."""
    from .catalog import Catalog

    client = connection.client

    def fetch(project_id: str) -> tuple[ProjectInfo, dict[str, list[str]]]:
        project = client.get_project(project_id)
        return project, client.folder_tree(project_id, [e.slug for e in project.environments])

    return Catalog(fetch, client.list_projects)


def project_config_quietly(ctx: Context) -> ProjectConfig | None:
    """The project file when it can be read; an unreadable one only matters where it is needed."""
    try:
        return project_config(ctx)
    except ConfigError:
        return None


def resolve_project(explicit: str | None, ctx: Context) -> tuple[ProjectConfig | None, str]:
    """The project file and the project ID; a broken file is an error only when the ID has to come from it."""
    if explicit or ctx.env.get("INFISICAL_PROJECT_ID", "").strip():
        config = project_config_quietly(ctx)
    else:
        config = project_config(ctx)
    return config, resolve_project_id(explicit, ctx, config)


def plan_create(parsed: command.ParsedCommand, ctx: Context) -> CreatePlan:
    options, problems = command.create_options(parsed)
    config, project_id = resolve_project(options.project_id, ctx)
    return CreatePlan(options, project_id, config, problems)


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


def check_environments(plan: CreatePlan, project: ProjectInfo) -> list[Problem]:
    slugs = [e.slug for e in project.environments]
    problems = []
    for arg in plan.options.scopes:
        problem = check_environment(arg.scope, slugs)
        if problem is not None:
            problems.append(problem.shifted(arg.word, arg.offset) if arg.word is not None else problem)
    return problems


def verify_environments(plan: CreatePlan, client: InfisicalClient) -> ProjectInfo | None:
    """The project, after checking the plan's environment slugs against it (ProblemsError when one is unknown)."""
    project = fetch_project(client, plan.project_id)
    if project is not None:
        problems = check_environments(plan, project)
        if problems:
            raise ProblemsError(problems)
    return project


def fetch_project(client: InfisicalClient, project_id: str) -> ProjectInfo | None:
    """The project with its environments; None when this server or role cannot say (the create will tell)."""
    try:
        return client.get_project(project_id)
    except (Forbidden, NotFound):
        raise
    except (APIError, TransportError):
        return None


def coverage(plan: CreatePlan, tree: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """For each scope (as typed), the existing folders it grants access to."""
    result = {}
    for arg in plan.options.scopes:
        folders = tree.get(arg.scope.environment.strip(), [])
        match = compile_glob(arg.scope.server_path)
        result[arg.scope.text] = [f for f in folders if match(f)]
    return result


def send_create(plan: CreatePlan, client: InfisicalClient) -> CreateResult:
    random_bytes = secrets.token_hex(16)
    created: CreatedToken = client.create_service_token(plan.body(random_bytes))
    return CreateResult(f"{created.server_token}.{random_bytes}", created.info, plan)


def find_token(tokens: Sequence[TokenInfo], wanted: str, project_id: str) -> TokenInfo:
    """A token by ID, or by a unique ID prefix of at least 4 characters."""
    exact = [t for t in tokens if t.id == wanted]
    if exact:
        return exact[0]
    prefixed = [t for t in tokens if len(wanted) >= 4 and t.id.startswith(wanted)]
    if len(prefixed) == 1:
        return prefixed[0]
    if len(prefixed) > 1:
        raise UsageError(f"'{wanted}' matches {len(prefixed)} tokens in project {project_id}; give more of the ID.")
    raise UsageError(f"No service token with ID '{wanted}' in project {project_id}. Run `list` to see the IDs.")
