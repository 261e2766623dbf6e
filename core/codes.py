"""Every diagnostic code the tool can emit: one registry for the emitters, the README table and the editor.

A test reads the source for every code passed to ``Problem``/``Finding`` and fails when one is missing
here; another regenerates the README table from :func:`markdown_table` and compares.
"""

from __future__ import annotations

from typing import Literal

from .record import record

Severity = Literal["error", "warning", "info"]


@record
class Code:
    code: str
    severity: Severity
    meaning: str
    online: bool = False  # only emitted when the project's environments and folders are known


CODES: tuple[Code, ...] = (
    Code("scope-malformed", "error", "not `<env-slug>:<folder-path>` (exactly one `:`)"),
    Code("scope-empty-env", "error", "`:/backend`: no environment slug before the `:`"),
    Code(
        "scope-empty-path",
        "error",
        "`dev:`: the server accepts it; a 2024 server then fails the reads in `dev` that no later scope allows "
        "with 500, a 2026 server reads nothing with it",
    ),
    Code(
        "scope-no-leading-slash",
        "error",
        "`dev:backend` reads nothing on a 2024 server; on a 2026 server it reads `/backend` as a token's only "
        "scope (pinned), and beside other scopes only for a client asking for `backend`, not `/backend`",
    ),
    Code("scope-unbalanced", "error", "`[`, `{` or `(` without a partner: read literally, never matches"),
    Code("scope-double-slash", "error", "`//` never appears in a folder path"),
    Code("scope-whitespace", "error", "spaces in a slug or path"),
    Code("scope-invalid-glob", "error", "picomatch rejects the glob (or never finishes compiling it)"),
    Code("scope-exact-folder", "warning", "`/backend` covers that folder only; `/backend/**` includes its subfolders"),
    Code("scope-duplicate", "warning", "the same scope twice"),
    Code("scope-unknown-env", "error", "no such environment in the project (slugs are case-sensitive)", online=True),
    Code("scope-no-folder", "warning", "the scope covers no existing folder", online=True),
    Code("missing-scope", "error", "a create needs at least one `--scope`"),
    Code("missing-access-level", "error", "a create needs `--access-level`"),
    Code("bad-access-level", "error", "only `read` and `write`"),
    Code("bad-int", "error", "a number flag's value is not a whole number"),
    Code("bad-bool", "error", "a true/false flag's value is neither"),
    Code("bad-choice", "error", "a flag's value is not one of its choices (e.g. `check --format`)"),
    Code("expiry-negative", "error", "the token would already have expired"),
    Code("expiry-too-large", "error", "past the latest date the server can store (use 0 for never)"),
    Code("unknown-flag", "error", "no such flag for this command"),
    Code("missing-value", "error", "a flag that takes a value was given none"),
    Code("extra-argument", "error", "more positional arguments than the command takes"),
    Code("missing-argument", "error", "a required positional argument (e.g. the token ID) is missing"),
    Code("unknown-command", "error", "not a command of this tool"),
    Code("missing-command", "error", "`infisical-tokens` with no command"),
    Code("csv", "error", "a repeatable flag's value is not valid CSV (quote values that hold a comma)"),
    Code("value-line-break", "error", "a line break inside a value: the Infisical CLI would drop the rest"),
    Code("json-invalid", "error", "`.infisical.json` is not valid JSON"),
    Code("json-type", "error", "a key of `.infisical.json` holds the wrong kind of value"),
    Code("json-unknown-key", "warning", "the CLI ignores the key (typo?)"),
    Code("json-unknown-env", "error", "`defaultEnvironment` or a branch mapping names a missing environment", True),
    Code("json-unknown-project", "warning", "a `workspaceId` you cannot see", online=True),
    Code(
        "project-unknown",
        "error",
        "`check --online`: the server says the project does not exist or is not yours (named on the first file "
        "checked against it, with where its ID came from)",
        online=True,
    ),
    Code("json-no-project", "error", "empty `workspaceId`"),
    Code("json-path", "warning", "`defaultSecretPath` without a leading `/`"),
    Code("json-domain-invalid", "warning", "a `domain` that is not an http(s) URL"),
    Code("json-domain-trust", "warning", "the repository names another instance than the one you logged in to"),
    Code("token-expired", "warning", "`audit`: the token has expired (it can only be deleted)", online=True),
    Code("token-expiring", "warning", "`audit`: expires within `--expiring-within` days (default 7)", online=True),
    Code("token-never-expires", "warning", "`audit`: the token never expires", online=True),
    Code("token-never-used", "warning", "`audit`: never used, and older than `--unused-for` days", online=True),
    Code("token-unused", "warning", "`audit`: not used for `--unused-for` days (default 30)", online=True),
    Code("token-scope-no-folder", "warning", "`audit`: a scope covers no existing folder now", online=True),
    Code(
        "token-scope-reads-nothing",
        "error",
        "`audit`: a scope that can never give the token a secret (an empty path; a path without `/` on a 2024 server)",
        online=True,
    ),
    Code(
        "token-scope-unrooted",
        "warning",
        "`audit`: a path without `/` that reads on a 2026 server (pinned, or for a client asking without the `/`)",
        online=True,
    ),
    Code(
        "token-pinned",
        "info",
        "`audit`: the token's only scope is not a glob, so every read gets that one folder, whatever it asks for",
        online=True,
    ),
    Code("token-scope-exact-folder", "info", "`audit`: a scope names a folder whose subfolders it leaves out", True),
    Code(
        "token-protected-write", "error", "`audit`: write access to every folder of a `--protected` environment", True
    ),
    Code("token-duplicate", "warning", "`audit`: the same scopes and access as another token", online=True),
    Code("token-migrate", "info", "`audit`: a service token; `migrate` makes a machine identity with its reach", True),
)

BY_CODE: dict[str, Code] = {c.code: c for c in CODES}


def markdown_table() -> str:
    """The README's table of codes (a test keeps the README equal to it)."""
    rows = ["| code | severity | meaning |", "|---|---|---|"]
    for c in CODES:
        severity = f"{c.severity} (online)" if c.online else c.severity
        rows.append(f"| `{c.code}` | {severity} | {c.meaning} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
