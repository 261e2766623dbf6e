"""Findings over a project's service tokens: expired, expiring, immortal, unused, reading nothing, too broad.

Pure: tokens, the project's folders (where known) and today's date in, findings out. The workflow in
:mod:`workflows` fetches; the faces present (text, JSON, GitHub annotations, an HTML table, a VS Code list).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from .codes import Severity
from .command import AuditOptions
from .coverage import FolderIndex
from .durations import duration
from .migration import migrate_hint
from .models import Generation, TokenInfo, parse_time
from .needs import fixed_prefix
from .reach import pinned, pinned_sentence, reads_nothing, unrooted
from .record import record

RANK = {"info": 1, "warning": 2, "error": 3, "never": 4}
DAY = 86400.0


@record
class AuditFinding:
    code: str
    severity: Severity
    token_id: str
    token_name: str
    message: str
    hint: str = ""

    def as_json(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity,
            "tokenId": self.token_id,
            "tokenName": self.token_name,
            "message": self.message,
            "hint": self.hint,
        }


def lifetime_seconds(token: TokenInfo) -> int | None:
    """The token's own lifetime (``expiresAt - createdAt``); 0 when it never expires; None when its dates cannot
    say (unreadable, or an expiry not after its creation): a caller must ask, not guess."""
    if token.expires_at is None:
        return 0
    expires, created = parse_time(token.expires_at), parse_time(token.created_at)
    if expires is None or created is None or expires <= created:
        return None
    return max(1, round(expires - created))


Covered = Callable[[str, str], list[str] | None]  # (environment, glob) -> folders it covers; None: unknown


def audit(
    tokens: Sequence[TokenInfo],
    now: float,
    options: AuditOptions,
    folders: Mapping[str, Sequence[str]] | None = None,
    covered: Covered | None = None,
    generation: Generation | None = None,
) -> list[AuditFinding]:
    """Every finding, token by token, in list order (``folders``/``covered`` None: folder checks skipped;
    ``generation`` None: what each server generation does is said where they differ)."""
    found: list[AuditFinding] = []
    seen: dict[tuple[tuple[str, ...], tuple[str, ...]], TokenInfo] = {}
    ids = [t.id for t in tokens]
    index = FolderIndex(folders or {})
    for token in tokens:
        rotate = f"infisical-tokens service-token rotate {_prefix(token.id, ids)}"

        def add(code: str, severity: Severity, message: str, hint: str = "", token: TokenInfo = token) -> None:
            found.append(AuditFinding(code, severity, token.id, token.name, message, hint))

        expires, last_used, created = (
            parse_time(token.expires_at),
            parse_time(token.last_used),
            parse_time(token.created_at),
        )
        if token.expires_at is None:
            add(
                "token-never-expires",
                "warning",
                "Never expires.",
                f"Rotate it into one that expires in 90 days: `{rotate} -e 7776000` (-e is its lifetime in seconds).",
            )
        elif expires is not None and expires <= now:
            add("token-expired", "warning", "Has expired.", "It can no longer be used: delete it.")
        elif expires is not None and expires - now <= options.expiring_within_days * DAY:
            left = expires - now
            add("token-expiring", "warning", f"Expires in {duration(left, 2)}.", f"Rotate it before then: `{rotate}`.")
        if last_used is None and token.last_used is None:
            if created is None or now - created >= options.unused_for_days * DAY:
                add("token-never-used", "warning", "Has never been used.", "If nothing needs it, delete it.")
        elif last_used is not None and now - last_used >= options.unused_for_days * DAY:
            days = int((now - last_used) // DAY)
            add("token-unused", "warning", f"Not used for {days} days.", "If nothing needs it, delete it.")
        writes = "write" in token.permissions
        pairs = [(s.environment, s.secret_path) for s in token.scopes]
        nothing = dict(reads_nothing(pairs, generation))
        for (env, path), why in nothing.items():
            add(
                "token-scope-reads-nothing",
                "error",
                f"Scope {env}:{path} reads nothing: {why}.",
                "Create a token whose path starts with / (e.g. dev:/backend/**) and delete this one.",
            )
        for (env, path), why in unrooted(pairs, generation):
            add(
                "token-scope-unrooted",
                "warning",
                f"Scope {env}:{path} does not start with '/': {why}.",
                f"If /{path.lstrip('/')} was meant, create a token with that path and delete this one.",
            )
        pin = pinned(pairs)
        if pin is not None and not nothing:
            add("token-pinned", "info", pinned_sentence(pin, generation), "Reads of other folders get this one.")
        for scope in token.scopes:
            env, path = scope.environment, scope.secret_path
            read_as = _pinned_folder(pin, generation)
            if (env, path) in nothing or (pin is not None and read_as is None):
                continue  # said above, or what it reads depends on the generation and that is not known
            path = read_as or path
            known = covered(env, path) if covered is not None and folders is not None and env in folders else None
            if known is not None and not known:
                add(
                    "token-scope-no-folder",
                    "warning",
                    f"Scope {scope.text} covers no existing folder now.",
                    "Was the folder renamed? The token reads nothing there.",
                )
            prefix, exact = fixed_prefix(path) if path.startswith("/") else (path, False)
            if exact and folders is not None and prefix != "/":
                below = index.below(env, prefix)
                if below:
                    add(
                        "token-scope-exact-folder",
                        "info",
                        f"Scope {scope.text} covers {prefix} itself only, not its {len(below)} subfolder(s).",
                        f"If they were meant, rotate with {env}:{prefix}/**.",
                    )
            everything = path in ("/**", "/**/*", "**")
            if not everything and known is not None and folders is not None and env in folders:
                everything = len(known) == len(folders[env]) and len(known) > 1
            if writes and env in options.protected and everything:
                add(
                    "token-protected-write",
                    "error",
                    f"Can write every folder of the protected environment '{env}'.",
                    "Narrow its scope or drop write access: rotate or delete it.",
                )
        key = (tuple(sorted(s.text for s in token.scopes)), tuple(sorted(token.permissions)))
        twin = seen.get(key)
        if twin is not None:
            add(
                "token-duplicate",
                "warning",
                f"Has the same scopes and access as '{twin.name}' ({twin.id}).",
                "One of them is probably forgotten.",
            )
        else:
            seen[key] = token
        add(
            "token-migrate",
            "info",
            "Is a service token, which Infisical deprecates for machine identities.",
            migrate_hint(token),
        )
    return found


def _pinned_folder(pin: tuple[str, str] | None, generation: Generation | None) -> str | None:
    """The folder a pinned token reads (a 2026 server roots a bare path), None where the generation decides."""
    if pin is None:
        return None
    path = pin[1].strip()
    if path.startswith("/"):
        return path
    return "/" + path if generation == "2026" and path else None


def _prefix(token_id: str, ids: Sequence[str]) -> str:
    """The shortest prefix of ``token_id`` (8 characters at least) that no other token shares: what rotate takes."""
    for length in range(8, len(token_id)):
        head = token_id[:length]
        if sum(1 for other in ids if other.startswith(head)) == 1:
            return head
    return token_id


def fails(findings: Sequence[AuditFinding], fail_on: str) -> bool:
    return any(RANK[f.severity] >= RANK[fail_on] for f in findings)
