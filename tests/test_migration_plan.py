"""The pure migration plan (core/migration.py) against the reference's mapping: rules per scope and subject,
actions per access level, the 2024 route's single-action rules, the lifetime, and what has no exact equivalent."""

from __future__ import annotations

import pytest

from infisical_tokens.core.errors import UsageError
from infisical_tokens.core.migration import METADATA_KEY, iso, plan_migration
from infisical_tokens.core.models import TokenInfo, TokenScope

NOW = 1_800_000_000.0


def token(
    scopes: list[tuple[str, str]], permissions: tuple[str, ...] = ("read",), expires: float | None = None
) -> TokenInfo:
    return TokenInfo(
        id="3f2a0000-0000-4000-8000-000000000001",
        name="ci reader",
        project_id="p",
        scopes=tuple(TokenScope(e, p) for e, p in scopes),
        permissions=permissions,
        expires_at=None if expires is None else iso(expires),
        last_used=None,
        created_at=iso(NOW - 100),
    )


def test_read_write_becomes_the_four_actions_on_the_three_subjects() -> None:
    plan = plan_migration(token([("dev", "/backend/**")], ("read", "write")), "p", NOW)
    assert plan.rules_for("2026") == [
        {
            "subject": subject,
            "action": ["read", "create", "edit", "delete"],
            "conditions": {"environment": {"$eq": "dev"}, "secretPath": {"$glob": "/backend/**"}},
        }
        for subject in ("secrets", "secret-imports", "secret-folders")
    ]
    assert plan.differences == () and plan.pinned is None
    assert plan.metadata == [{"key": METADATA_KEY, "value": "3f2a0000-0000-4000-8000-000000000001"}]
    assert plan.name == "ci reader"


@pytest.mark.parametrize(
    ("permissions", "actions"), [(("read",), ["read"]), (("write",), ["create", "edit", "delete"])]
)
def test_each_access_level_maps_to_its_actions(permissions: tuple[str, ...], actions: list[str]) -> None:
    plan = plan_migration(token([("dev", "/**"), ("prod", "/api")], permissions), "p", NOW)
    assert [r["action"] for r in plan.rules_for("2026")] == [actions] * 6
    assert [r["conditions"]["environment"] for r in plan.rules_for("2026")] == [{"$eq": "dev"}] * 3 + [
        {"$eq": "prod"}
    ] * 3


def test_2024_takes_one_action_per_rule_on_secrets_only() -> None:
    plan = plan_migration(token([("dev", "backend"), ("staging", "/backend")], ("read", "write")), "p", NOW)
    old = plan.rules_for("2024")
    assert [(r["subject"], r["action"], r["conditions"]["secretPath"]["$glob"]) for r in old] == [
        ("secrets", action, path) for path in ("backend", "/backend") for action in ("read", "create", "edit", "delete")
    ]
    assert [r["conditions"]["environment"] for r in old] == ["dev"] * 4 + ["staging"] * 4  # v1: a plain string


@pytest.mark.parametrize(
    ("scopes", "pinned"),
    [
        ([("dev", "/")], ("dev", "/")),
        ([("dev", "/backend")], ("dev", "/backend")),
        ([("dev", "backend")], ("dev", "backend")),
        ([("dev", "/backend/**")], None),
        ([("dev", "/backend"), ("dev", "/frontend")], None),
        ([("dev", "/a{b}*")], ("dev", "/a{b}*")),  # picomatch.scan stops at a brace without , or ..
    ],
)
def test_a_single_non_glob_scope_is_pinned_and_said(
    scopes: list[tuple[str, str]], pinned: tuple[str, str] | None
) -> None:
    plan = plan_migration(token(scopes), "p", NOW)
    assert plan.pinned == pinned
    if pinned is None:
        assert plan.differences == ()
        assert plan.ci_lines("cid")[1] == "infisical export --projectId=p"
    else:
        (difference,) = plan.differences
        assert difference.kind == "pinned" and f"--env={pinned[0]} --path={pinned[1]}" in difference.message
        assert plan.ci_lines("cid")[1].startswith("infisical export --projectId=p --env=")


def test_an_empty_path_scope_is_dropped_and_said_and_alone_refused() -> None:
    plan = plan_migration(token([("dev", ""), ("staging", "/")]), "p", NOW)
    assert [d.kind for d in plan.differences] == ["empty-path"]
    assert {r.environment for r in plan.rules} == {"staging"}
    with pytest.raises(UsageError, match="grant nothing"):
        plan_migration(token([("dev", "")]), "p", NOW)


def test_lifetime_a_temporary_privilege_ending_at_expires_at() -> None:
    plan = plan_migration(token([("dev", "/**")], expires=NOW + 3600.4), "p", NOW)
    kind = plan.lifetime.privilege_type()
    assert kind == {
        "isTemporary": True,
        "temporaryMode": "relative",
        "temporaryRange": "3601s",
        "temporaryAccessStartTime": iso(NOW + 3600.4 - 3601),
    }
    assert plan.lifetime.client_secret_ttl == 3600  # the remaining whole seconds: it never outlives the token
    never = plan_migration(token([("dev", "/**")]), "p", NOW)
    assert never.lifetime.privilege_type() == {"isTemporary": False} and never.lifetime.client_secret_ttl == 0


def test_an_expired_or_powerless_token_is_refused() -> None:
    with pytest.raises(UsageError, match="has expired"):
        plan_migration(token([("dev", "/**")], expires=NOW - 1), "p", NOW)
    with pytest.raises(UsageError, match="neither read nor write"):
        plan_migration(token([("dev", "/**")], ()), "p", NOW)


def test_the_ci_login_line_reads_the_secret_from_the_environment() -> None:
    login, export = plan_migration(token([("dev", "/**")]), "p", NOW).ci_lines("c-1")
    assert login == (
        "export INFISICAL_TOKEN=$(infisical login --method=universal-auth --client-id=c-1 "
        '--client-secret="$INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET" --silent --plain)'
    )
    assert export == "infisical export --projectId=p"
