"""Machine identity calls (Universal Auth, memberships, privileges) over the service-token client's session.

Nothing here is retried: each call creates something, and a retry could create it twice. The 2026 server takes
the privilege on ``/v2/identity-project-additional-privilege``; a server without that route (2024) takes it on
the v1 route, the project by slug and one action per rule. The membership goes to the old alias, which both
generations have.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .api import InfisicalClient
from .errors import APIError, MalformedAnswer, NotFound, TransportError
from .migration import PRIVILEGE_SLUG, MigrationPlan
from .record import record

V2_PRIVILEGE = "/v2/identity-project-additional-privilege"
V1_PRIVILEGE = "/v1/additional-privilege/identity/{kind}"


@record
class ProjectFacts:
    org_id: str
    slug: str


def _segment(value: str) -> str:
    return quote(value, safe="")


def _field(client: InfisicalClient, method: str, path: str, data: Any, *keys: str) -> str:
    """A string nested under ``keys`` in an answer, or MalformedAnswer naming it."""
    value = data
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    if isinstance(value, str) and value and value.isprintable() and len(value) < 1000:
        return value
    raise MalformedAnswer(
        method=method, url=client.api_url + path, status=200, message=f"the answer has no {'.'.join(keys)}"
    )


def project_facts(client: InfisicalClient, project_id: str) -> ProjectFacts:
    """The project's organisation (an identity belongs to one) and slug (the 2024 privilege route's key)."""
    path = f"/v1/workspace/{_segment(project_id)}"
    data = client.request("GET", path, retry=False)
    return ProjectFacts(
        _field(client, "GET", path, data, "workspace", "orgId"), _field(client, "GET", path, data, "workspace", "slug")
    )


@record
class Found:
    id: str
    name: str


MAX_LISTED = 2000  # pages of 100: an organisation with more identities is not searched to its end


def find_identities(client: InfisicalClient, org_id: str, plan: MigrationPlan, generation: str | None) -> list[Found]:
    """The org's identities made for this token: by its metadata where the server keeps metadata (2026), by
    the identity's name where it drops it (2024, or an unknown generation: either). A GET, never a retry."""
    path = f"/v2/organizations/{_segment(org_id)}/identity-memberships"
    found: list[Found] = []
    for offset in range(0, MAX_LISTED, 100):
        data = client.request("GET", path, params={"offset": str(offset), "limit": "100"})
        rows = data.get("identityMemberships") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise MalformedAnswer(
                method="GET", url=client.api_url + path, status=200, message="the answer has no identityMemberships"
            )
        for row in rows:
            identity = row.get("identity") if isinstance(row, dict) else None
            if not isinstance(identity, dict) or not isinstance(identity.get("id"), str):
                continue
            name = str(identity.get("name", ""))
            metadata = identity.get("metadata")
            tagged = isinstance(metadata, list) and any(
                isinstance(m, dict) and m.get("key") == plan.metadata[0]["key"] and m.get("value") == plan.token.id
                for m in metadata
            )
            named = name.strip() == plan.name
            if (generation == "2026" and tagged) or (generation != "2026" and (tagged or named)):
                found.append(Found(identity["id"], name))
        if len(rows) < 100:
            break
    return found


def create_identity(client: InfisicalClient, plan: MigrationPlan, org_id: str) -> str:
    path = "/v1/identities"
    body = {"name": plan.name, "organizationId": org_id, "role": "no-access", "metadata": plan.metadata}
    return _field(client, "POST", path, client.request("POST", path, body=body, retry=False), "identity", "id")


def attach_universal_auth(client: InfisicalClient, identity_id: str) -> str:
    """Universal Auth with the server's defaults (no IP limits, unlimited uses); its client ID."""
    path = f"/v1/auth/universal-auth/identities/{_segment(identity_id)}"
    data = client.request("POST", path, body={}, retry=False)
    return _field(client, "POST", path, data, "identityUniversalAuth", "clientId")


def add_to_project(client: InfisicalClient, project_id: str, identity_id: str) -> None:
    """Membership with the ``no-access`` role: the privilege alone says what it reaches."""
    path = f"/v2/workspace/{_segment(project_id)}/identity-memberships/{_segment(identity_id)}"
    client.request("POST", path, body={"role": "no-access"}, retry=False)


def grant(client: InfisicalClient, plan: MigrationPlan, identity_id: str, facts: ProjectFacts) -> str:
    """The one privilege with the token's rules and lifetime; the generation it was granted on."""
    body: dict[str, Any] = {
        "identityId": identity_id,
        "projectId": plan.project_id,
        "slug": PRIVILEGE_SLUG,
        "permissions": plan.rules_for("2026"),
        "type": plan.lifetime.privilege_type(),
    }
    try:
        client.request("POST", V2_PRIVILEGE, body=body, retry=False)
        return "2026"
    except NotFound as err:
        if not err.message.startswith("Route "):
            raise
    temporary = plan.lifetime.expires_at is not None
    old: dict[str, Any] = {
        "identityId": identity_id,
        "projectSlug": facts.slug,
        "slug": PRIVILEGE_SLUG,
        "permissions": plan.rules_for("2024"),
        **(plan.lifetime.temporary_fields() if temporary else {}),
    }
    client.request("POST", V1_PRIVILEGE.format(kind="temporary" if temporary else "permanent"), body=old, retry=False)
    return "2024"


def create_client_secret(client: InfisicalClient, identity_id: str, ttl: int, description: str) -> str:
    path = f"/v1/auth/universal-auth/identities/{_segment(identity_id)}/client-secrets"
    body = {"description": description, "numUsesLimit": 0, "ttl": ttl}
    data = client.request("POST", path, body=body, retry=False)
    return _field(client, "POST", path, data, "clientSecret")


def _scrubbed(err: APIError, secret: str) -> APIError:
    """The error with the client secret taken out, should a server echo what it was sent."""
    if secret and secret in str(err):
        err.message = err.message.replace(secret, "<redacted>")
        err.error = err.error.replace(secret, "<redacted>")
        err.args = (err.describe().replace(secret, "<redacted>"),)
    return err


def check_login(client: InfisicalClient, client_id: str, client_secret: str) -> str | None:
    """Log in as the identity (proof that the new credentials work), then revoke the access token at once:
    nobody asked for it. A failed revoke does not undo the proof: it is returned as a note, not raised."""
    path = "/v1/auth/universal-auth/login"
    try:
        data = client.request(
            "POST", path, body={"clientId": client_id, "clientSecret": client_secret}, retry=False, bearer=""
        )
    except APIError as err:
        raise _scrubbed(err, client_secret) from None
    token = _field(client, "POST", path, data, "accessToken")
    try:
        client.request("POST", "/v1/auth/token/revoke", body={"accessToken": token}, retry=False, bearer="")
    except (APIError, TransportError) as err:
        ttl = data.get("expiresIn") if isinstance(data, dict) else None
        within = f"within {ttl} s" if isinstance(ttl, int) and not isinstance(ttl, bool) and ttl > 0 else "at its TTL"
        return (
            f"The login with the new client secret worked, but its test access token could not be revoked ({err}); "
            f"nobody holds it, and it expires by itself {within}."
        )
    return None


def delete_identity(client: InfisicalClient, identity_id: str) -> None:
    """Deleting the identity takes its Universal Auth, client secrets, membership and privilege with it."""
    client.request("DELETE", f"/v1/identities/{_segment(identity_id)}", retry=False)


def delete_command(api_url: str, identity_id: str) -> str:
    """The command that removes an identity left behind (a user access token in ``$INFISICAL_TOKEN``)."""
    url = f"{api_url}/v1/identities/{_segment(identity_id)}"
    return f'curl -X DELETE "{url}" -H "Authorization: Bearer $INFISICAL_TOKEN"'
