"""A service token as a machine identity with the same reach: the plan, as pure data.

The server turns a token into CASL rules ``{secretPath: {$glob: <scope path>}, environment: <env>}`` for the
subjects ``secrets``, ``secret-imports`` and ``secret-folders`` (read → ``read``; write → ``create``, ``edit``,
``delete``), and an identity's additional privilege holds the same rules, matched by the same picomatch. So the
plan is rule for rule. What has no exact equivalent is said, never hidden: a pinned token (one non-glob scope)
answers every read from its folder, an identity only from the folder asked; an empty-path scope grants nothing
and cannot be written as a rule. The lifetime becomes a temporary privilege ending at the token's ``expiresAt``
and a client secret living the same remaining seconds. The 2024 server takes one action per rule and covers
``secrets`` only, as its tokens do.
"""

from __future__ import annotations

import math
import shlex
from datetime import datetime, timezone
from typing import Any

from . import reach
from .errors import UsageError
from .models import TokenInfo, parse_time
from .reach import Generation, pinned
from .record import field, record

SUBJECTS = ("secrets", "secret-imports", "secret-folders")
OLD_SUBJECTS = ("secrets",)  # the 2024 server's token rules name ``secrets`` only (folders fall back to them)
ACTIONS = {"read": ("read",), "write": ("create", "edit", "delete")}
METADATA_KEY = "infisical-tokens/service-token-id"
PRIVILEGE_SLUG = "service-token-scopes"
CLIENT_SECRET_ENV = "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET"
MAX_CLIENT_SECRET_TTL = 315360000  # ten years: both servers refuse a longer client-secret ttl


def mask_client_secret(secret: str) -> str:
    """The client secret as every face shows it: the server's own 4-character prefix, never enough to use."""
    return f"{secret[:4]}…****" if len(secret) > 12 else "****"


def iso(moment: float) -> str:
    """A moment as the server writes one (ISO 8601 with milliseconds, ``Z``)."""
    at = datetime.fromtimestamp(moment, tz=timezone.utc)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


@record
class Rule:
    """One scope's rule for one subject: the token's own rule, written as a privilege."""

    subject: str
    actions: tuple[str, ...]
    environment: str
    secret_path: str

    def conditions(self) -> dict[str, Any]:
        return {"environment": {"$eq": self.environment}, "secretPath": {"$glob": self.secret_path}}

    def old_conditions(self) -> dict[str, Any]:
        """The 2024 v1 schema has ``environment: z.string()``: a plain string, an operator is refused."""
        return {"environment": self.environment, "secretPath": {"$glob": self.secret_path}}

    def as_json(self) -> dict[str, Any]:
        """As the 2026 route takes it (an action array)."""
        return {"subject": self.subject, "action": list(self.actions), "conditions": self.conditions()}

    def as_old_json(self) -> list[dict[str, Any]]:
        """As the 2024 route takes it: one rule per action (an array is refused there)."""
        return [{"subject": self.subject, "action": a, "conditions": self.old_conditions()} for a in self.actions]


@record
class Lifetime:
    """When the token stops working, and how the identity reproduces it. ``seconds`` None: never expires."""

    expires_at: float | None
    seconds: int | None

    def privilege_type(self) -> dict[str, Any]:
        """The 2026 privilege's ``type``: temporary ending exactly at ``expiresAt``, or permanent."""
        if self.expires_at is None or self.seconds is None:
            return {"isTemporary": False}
        return {"isTemporary": True, **self.temporary_fields()}

    def temporary_fields(self) -> dict[str, Any]:
        """A relative range of whole seconds, started so that it ends at ``expiresAt`` itself."""
        assert self.expires_at is not None and self.seconds is not None
        return {
            "temporaryMode": "relative",
            "temporaryRange": f"{self.seconds}s",
            "temporaryAccessStartTime": iso(self.expires_at - self.seconds),
        }

    @property
    def client_secret_ttl(self) -> int:
        """Seconds the client secret lives (0: never expires, as the server reads it), at most the server's ten
        years (the privilege still ends at ``expiresAt``)."""
        return 0 if self.seconds is None else min(MAX_CLIENT_SECRET_TTL, max(1, self.seconds - 1))

    @property
    def secret_capped(self) -> bool:
        """The token outlives the longest client secret the server takes."""
        return self.seconds is not None and self.seconds - 1 > MAX_CLIENT_SECRET_TTL

    def describe(self) -> str:
        if self.expires_at is None:
            return "never expires: a permanent privilege and a client secret that never expires"
        capped = (
            f" (the server's maximum, {MAX_CLIENT_SECRET_TTL} s, is shorter than the token's {self.seconds} s: "
            "create a new client secret before it ends; the privilege still ends at expiresAt)"
            if self.secret_capped
            else ""
        )
        return (
            f"expires {iso(self.expires_at)}: a temporary privilege ending then (in {self.seconds} s) and a client "
            f"secret that lives {self.client_secret_ttl} s{capped}; after it the identity gets 403 PermissionDenied "
            "instead of 'Service token has expired' (the server may honour it up to ~10 s longer: it caches "
            "permissions)"
        )


@record
class Difference:
    """Something a client of the identity will see differently from the token."""

    kind: str  # "pinned" | "empty-path"
    scope: str
    message: str


@record
class MigrationPlan:
    token: TokenInfo
    project_id: str
    name: str
    rules: tuple[Rule, ...]
    lifetime: Lifetime
    differences: tuple[Difference, ...]
    pinned: tuple[str, str] | None  # (environment, path) a pinned token read from
    generation: Generation | None = None  # the server's, when learnt before planning

    @property
    def sent_rules(self) -> list[dict[str, Any]]:
        """The rules as the server in use takes them (2026's form when the generation is unknown)."""
        return self.rules_for(self.generation or "2026")

    @property
    def metadata(self) -> list[dict[str, str]]:
        """Identity names are not unique: the token's ID in the identity's metadata ties the two."""
        return [{"key": METADATA_KEY, "value": self.token.id}]

    def rules_for(self, generation: str) -> list[dict[str, Any]]:
        """The privilege's rules for the 2026 route, or the 2024 route's single-action ``secrets`` rules."""
        if generation == "2024":
            return [r for rule in self.rules if rule.subject in OLD_SUBJECTS for r in rule.as_old_json()]
        return [rule.as_json() for rule in self.rules]

    def ci_lines(self, client_id: str) -> list[str]:
        """What a CI job runs now, the client secret read from the environment (it is shown once, elsewhere)."""
        login = (
            f"export INFISICAL_TOKEN=$(infisical login --method=universal-auth --client-id={shlex.quote(client_id)} "
            f'--client-secret="${CLIENT_SECRET_ENV}" --silent --plain)'
        )
        where = f"--projectId={shlex.quote(self.project_id)}"
        if self.pinned is not None:
            env, path = self.pinned
            where += f" --env={shlex.quote(env)} --path={shlex.quote(path)}"
        return [login, f"infisical export {where}"]


def lifetime_of(token: TokenInfo, now: float) -> Lifetime:
    """The token's remaining lifetime; an expired token (or an unreadable expiry) cannot be migrated."""
    if token.expires_at is None:
        return Lifetime(None, None)
    expires = parse_time(token.expires_at)
    if expires is None:
        raise UsageError(f"Token {token.id} has an expiry the server wrote unreadably ({token.expires_at!r}).")
    if expires - now < 2:
        raise UsageError(
            f"Token '{token.name}' ({token.id}) has expired{'' if expires <= now else ' (or does within 2 s)'}: "
            "there is nothing to migrate. Create an identity for what its clients need instead."
        )
    return Lifetime(expires, math.ceil(expires - now))


def _pinned_message(name: str, env: str, path: str, generation: Generation | None = None) -> str:
    """What a pinned token's clients see change, for the server in use (each generation's answer when unknown).

    A pinned path without a leading slash reads nothing on 2024 (reach's model): then there is nothing to lose."""
    other = reach.one_or_each(generation, {"2024": "is refused (403)", "2026": "gets an empty list"})
    if generation == "2024" and not path.startswith("/"):
        return (
            f"'{name}' is pinned to {env}:{path}, a path without a leading slash: on this 2024 server it reads "
            f"nothing today ({reach.EMPTY_LIST}). The identity reads {env}:{path} when a client asks for that path "
            f"written exactly so (--env={env} --path={path}); any other read {other}."
        )
    today = "every read answers from that folder, whatever environment and path its client asks"
    if generation is None and not path.startswith("/"):
        today = f"on a 2026 server every read answers from /{path}; on a 2024 server it reads nothing"
    return (
        f"'{name}' is pinned to {env}:{path}: today {today}. The identity reads only the folder asked, like the "
        f"same scope given twice: a client that asks for another folder {other}. Clients must now pass "
        f"--env={env} --path={path}; one that already asks for that folder sees no difference."
    )


def pinned_scope(token: TokenInfo) -> tuple[str, str] | None:
    """(environment, path) every read of the token is answered from: its only scope, when not a glob."""
    if any(not scope.secret_path for scope in token.scopes):
        return None  # an empty path is dropped (it grants nothing), not pinned to
    return pinned([(scope.environment, scope.secret_path) for scope in token.scopes])


def migrate_hint(token: TokenInfo) -> str:
    """What ``audit`` suggests for every service token: the command, and what a pinned token's clients change."""
    if all(not scope.secret_path for scope in token.scopes):  # what plan_migration refuses: no rule to write
        return (
            "Not migrated: its only scopes have an empty path, which grants nothing, so an identity would have no "
            f"rule to hold. Delete it instead: infisical-tokens service-token delete {token.id} --yes"
        )
    hint = f"Run `infisical-tokens service-token migrate {token.id} --dry-run` to see the identity with the same reach."
    pin = pinned_scope(token)
    if pin is not None:
        hint += f" It is pinned to {pin[0]}:{pin[1]}: its clients then pass --env={pin[0]} --path={pin[1]}."
    return hint


def plan_migration(
    token: TokenInfo, project_id: str, now: float, generation: Generation | None = None
) -> MigrationPlan:
    """The identity that reaches exactly what ``token`` reaches, and what has no exact equivalent, said for the
    server's generation when it is known (what is sent differs, and so does what a client sees)."""
    lifetime = lifetime_of(token, now)
    actions = tuple(a for level in ("read", "write") if level in token.permissions for a in ACTIONS[level])
    if not actions:
        raise UsageError(f"Token '{token.name}' ({token.id}) has neither read nor write access: nothing to migrate.")
    differences: list[Difference] = []
    rules: list[Rule] = []
    pin = pinned_scope(token)
    if pin is not None:
        differences.append(Difference("pinned", token.scopes[0].text, _pinned_message(token.name, *pin, generation)))
    for scope in token.scopes:
        if scope.secret_path == "":
            differences.append(
                Difference(
                    "empty-path",
                    scope.text,
                    f"Scope {scope.text} has an empty path: it grants nothing on a 2026 server (on 2024 every "
                    f"{scope.environment} read fails with 500) and a privilege cannot hold it, so it is left out. "
                    f"The identity's {scope.environment} reads outside its other scopes are refused as any "
                    "out-of-scope read is.",
                )
            )
            continue
        rules += [Rule(subject, actions, scope.environment, scope.secret_path) for subject in SUBJECTS]
    if not rules:
        raise UsageError(
            f"Token '{token.name}' ({token.id}) has only empty-path scopes, which grant nothing: an identity "
            "without rules would be refused every read. Delete the token instead."
        )
    name = token.name.strip() or f"service-token-{token.id[:8]}"
    return MigrationPlan(token, project_id, name, tuple(rules), lifetime, tuple(differences), pin, generation)


# ---------------------------------------------------------------------- outcomes (pure data, for every face)


@record
class MigratePreview:
    """A dry run: the plan, and where it would be sent. Nothing was sent but the reads that found the token."""

    plan: MigrationPlan
    api_url: str


@record
class Migrated:
    """The identity exists and a login with its new credentials worked; the client secret is shown once."""

    plan: MigrationPlan
    identity_id: str
    client_id: str
    client_secret: str = field(repr=False)
    generation: str = "2026"  # the privilege route that took it
    token_deleted: bool = False
    delete_error: str | None = None  # why the old token is still there (the identity exists regardless)
    shown: bool = False  # the credentials were written before the delete (``Context.hand_over``)

    def as_json(self) -> dict[str, Any]:
        """For scripts (``--json``): the credentials, and what a CI job changes."""
        return {
            "identityId": self.identity_id,
            "identityName": self.plan.name,
            "clientId": self.client_id,
            "clientSecret": self.client_secret,
            "projectId": self.plan.project_id,
            "serviceTokenId": self.plan.token.id,
            "expiresAt": None if self.plan.lifetime.expires_at is None else iso(self.plan.lifetime.expires_at),
            "differences": [{"kind": d.kind, "scope": d.scope, "message": d.message} for d in self.plan.differences],
            "ci": self.plan.ci_lines(self.client_id),
            **self.fate_json(),
        }

    def fate_json(self) -> dict[str, Any]:
        """What became of the old token: the document's last keys, written after the credentials were."""
        return {
            "serviceTokenDeleted": self.token_deleted,
            **({"deleteError": self.delete_error} if self.delete_error else {}),
        }
