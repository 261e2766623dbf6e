"""The ``service-token`` command line as data, and one parser for it.

The command line, the IPython magic, the language server's diagnostics and completion, and the
"Create service token" code action all read commands through :func:`parse`, so a flag, default or
message is defined once. Parsing follows pflag/cobra (``--flag=v``, ``--flag v``, ``-fV``, ``-f V``,
``-f=V``, repeatable slice flags split as CSV, ``--`` ends flags) and records where every value sits
(argv word index and offset) so editors can point at it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from .api_url import DEFAULT_API_URL
from .flag_csv import CsvError, Field, csv_error_text, split_csv
from .problems import Fix, Problem, Severity
from .record import field, record

if TYPE_CHECKING:  # imported where a create's values are read, not for --help (glob, picomatch, models)
    from . import scope as scopes

Kind = Literal["string", "list", "int", "bool"]

PROGRAM = "infisical-tokens"
GROUP = "service-token"
DEFAULT_NAME = "Service token generated via CLI"
DEFAULT_FORMAT = "text"  # check and audit
DEFAULT_EXPIRY = 86400
ACCESS_LEVELS = ("read", "write")
JS_DATE_LIMIT_MS = 8.64e15

MISSING_SCOPE = (
    "You must define the environments and paths your service token should have access to via the --scope flag"
)
MISSING_ACCESS = (
    "You must define whether your service token can be used to read and or write via the --access-level flag"
)
BAD_ACCESS = "--access-level can only be of values read and write"


@record
class Flag:
    name: str
    short: str | None
    kind: Kind
    help: str
    default: str | int | bool | None = None
    metavar: str = ""
    hidden: bool = False  # accepted for compatibility with the Infisical CLI; has no effect
    choices: tuple[str, ...] = ()  # a string flag whose value must be one of these

    @property
    def label(self) -> str:
        return f"-{self.short}, --{self.name}" if self.short else f"--{self.name}"

    @property
    def type_name(self) -> str:
        return {"string": "string", "list": "strings", "int": "int", "bool": ""}[self.kind]


@record
class Positional:
    name: str
    help: str
    required: bool = False
    variadic: bool = False  # takes every remaining word (``check PATH...``)
    choices: tuple[str, ...] = ()  # a value that must be one of these (``completion bash``)


@record
class Subcommand:
    name: str
    summary: str
    flags: tuple[Flag, ...]
    positionals: tuple[Positional, ...] = ()
    examples: tuple[str, ...] = ()
    group: str | None = GROUP  # the word before the name (``service-token``); None: a top-level command

    @property
    def path(self) -> str:
        """How the command is typed after the program name, e.g. ``service-token create``."""
        return f"{self.group} {self.name}" if self.group else self.name

    @property
    def max_positionals(self) -> int | None:
        return None if any(p.variadic for p in self.positionals) else len(self.positionals)

    def flag(self, name: str) -> Flag | None:
        return next((f for f in (*self.flags, *GLOBAL_FLAGS) if f.name == name), None)


PROJECT_ID = Flag(
    "projectId",
    None,
    "string",
    "The project ID. Default: INFISICAL_PROJECT_ID, then the project linked in the nearest .infisical.json",
    metavar="ID",
)
JSON = Flag("json", None, "bool", "Print the result as JSON on stdout (shapes: README, JSON output)")
FORMAT = Flag(
    "format",
    None,
    "string",
    "Output format: text, json or github (annotations)",
    default=DEFAULT_FORMAT,
    metavar="FORMAT",
    choices=("text", "json", "github"),
)

GLOBAL_FLAGS: tuple[Flag, ...] = (
    Flag(
        "domain",
        None,
        "string",
        "Point the CLI to your own backend [can also set via environment variable name: INFISICAL_DOMAIN]",
        default=DEFAULT_API_URL,
        metavar="URL",
    ),
    Flag("silent", None, "bool", "Disable output of tip/info messages (warnings)"),
    Flag("help", "h", "bool", "help for this command"),
    Flag("log-level", "l", "string", "log level (accepted for compatibility; ignored)", hidden=True),
    Flag("log-format", None, "string", "log format (accepted for compatibility; ignored)", hidden=True),
    Flag("log-destination", None, "string", "log destination (accepted for compatibility; ignored)", hidden=True),
    Flag("telemetry", None, "bool", "telemetry (accepted for compatibility; this tool sends none)", hidden=True),
)

CREATE = Subcommand(
    "create",
    "Used to create service tokens",
    (
        PROJECT_ID,
        Flag(
            "scope",
            "s",
            "list",
            "Environment and secret path. Example format: <env-slug>:<folder-path>",
            metavar="ENV:PATH",
        ),
        Flag("name", "n", "string", "Service token name", default=DEFAULT_NAME, metavar="NAME"),
        Flag(
            "access-level",
            "a",
            "list",
            "The type of access the service token should have. Can be 'read' and or 'write'",
            metavar="LEVEL",
        ),
        Flag("token-only", None, "bool", "When true, only the service token will be printed"),
        Flag(
            "expiry-seconds",
            "e",
            "int",
            "Set the service token's expiration time in seconds from now. To never expire set to zero. Default: 1 day",
            default=DEFAULT_EXPIRY,
            metavar="SECONDS",
        ),
        Flag("dry-run", None, "bool", "Check everything and print the request without sending it"),
        JSON,
    ),
    examples=(
        "infisical-tokens service-token create --scope=dev:/backend/** --access-level=read",
        "infisical-tokens service-token create -s dev:/ -s prod:/api/** -a read,write -e 3600 --token-only",
    ),
)
LIST = Subcommand(
    "list",
    "List the service tokens of a project",
    (PROJECT_ID, JSON),
)
VIEW = Subcommand(
    "view",
    "Show one service token: by ID (from the project's list), or the token itself from INFISICAL_TOKEN or stdin (-)",
    (PROJECT_ID, JSON),
    (Positional("TOKEN_ID", "a token ID, or - to read a service token from stdin"),),
)
DELETE = Subcommand(
    "delete",
    "Delete a service token by ID",
    (PROJECT_ID, Flag("yes", "y", "bool", "Do not ask for confirmation"), JSON),
    (Positional("TOKEN_ID", "the ID shown by list", required=True),),
)
CHECK = Subcommand(
    "check",
    "Check .infisical.json files and `infisical service-token` command lines (for CI and pre-commit)",
    (
        FORMAT,
        JSON,
        Flag("online", None, "bool", "Also check against the project's environments and folders"),
        Flag(
            "projectId",
            None,
            "string",
            "Project to check against. Default: INFISICAL_PROJECT_ID, then each file's nearest .infisical.json",
            metavar="ID",
        ),
    ),
    (Positional("PATH", "files or folders to check (default: .)", variadic=True),),
    examples=("infisical-tokens check .", "infisical-tokens check --online --format github"),
    group=None,
)
ROTATE = Subcommand(
    "rotate",
    "Replace a service token with a new one of the same name, scopes, access and lifetime, then delete the old one",
    (
        PROJECT_ID,
        Flag("name", "n", "string", "Name of the new token (default: the old token's name)", metavar="NAME"),
        Flag(
            "expiry-seconds",
            "e",
            "int",
            "Lifetime of the new token in seconds, 0 = never (default: the old token's own lifetime)",
            metavar="SECONDS",
        ),
        Flag("keep-old", None, "bool", "Create the new token but do not delete the old one"),
        Flag("token-only", None, "bool", "When true, only the new service token will be printed"),
        Flag("dry-run", None, "bool", "Show the create request and what would be deleted, without sending"),
        JSON,
    ),
    (Positional("TOKEN_ID", "the ID (or a unique prefix of at least 4 characters) shown by list", required=True),),
    examples=('gh secret set INFISICAL_TOKEN --body "$(infisical-tokens service-token rotate 3f2a --token-only)"',),
)


@record
class AuditOptions:
    """The typed values of an audit; its flags' defaults are these."""

    expiring_within_days: int = 7
    unused_for_days: int = 30
    protected: tuple[str, ...] = ("prod", "production")
    fail_on: str = "error"  # error, warning, info or never


AUDIT = Subcommand(
    "audit",
    "Find the project's risky or forgotten service tokens (for CI on a schedule)",
    (
        PROJECT_ID,
        JSON,
        FORMAT,
        Flag(
            "fail-on",
            None,
            "string",
            "Exit 1 when a finding is at least this severe: error, warning, info or never",
            default=AuditOptions.fail_on,
            metavar="SEVERITY",
            choices=("error", "warning", "info", "never"),
        ),
        Flag(
            "expiring-within",
            None,
            "int",
            "Days before expiry that count as expiring soon",
            default=AuditOptions.expiring_within_days,
            metavar="DAYS",
        ),
        Flag(
            "unused-for",
            None,
            "int",
            "Days without use that count as unused",
            default=AuditOptions.unused_for_days,
            metavar="DAYS",
        ),
        Flag(
            "protected",
            None,
            "list",
            "Environments where write access to every folder is an error",
            default=",".join(AuditOptions.protected),
            metavar="SLUGS",
        ),
    ),
)
MIGRATE = Subcommand(
    "migrate",
    "Replace a service token with a machine identity (Universal Auth) that reaches exactly the same secrets",
    (
        PROJECT_ID,
        JSON,
        Flag("dry-run", None, "bool", "Show the identity, its rules and lifetime, and what differs, without sending"),
        Flag("delete-token", None, "bool", "Delete the service token once a login with the new credentials worked"),
    ),
    (Positional("TOKEN_ID", "the ID (or a unique prefix of at least 4 characters) shown by list", required=True),),
    examples=(
        "infisical-tokens service-token migrate 3f2a --dry-run",
        "infisical-tokens service-token migrate 3f2a --delete-token --json",
    ),
)
COMPLETION = Subcommand(
    "completion",
    "Print a shell completion script (load it with: source <(infisical-tokens completion bash))",
    (),
    (Positional("SHELL", "bash, zsh or fish", required=True, choices=("bash", "zsh", "fish")),),
    examples=(
        "echo 'source <(infisical-tokens completion bash)' >> ~/.bashrc",
        "echo 'source <(infisical-tokens completion zsh)' >> ~/.zshrc",
        "infisical-tokens completion fish > ~/.config/fish/completions/infisical-tokens.fish",
    ),
    group=None,
)
SUBCOMMANDS: dict[str, Subcommand] = {c.name: c for c in (CREATE, LIST, VIEW, DELETE, ROTATE, AUDIT, MIGRATE)}
TOP_LEVEL: dict[str, Subcommand] = {CHECK.name: CHECK, COMPLETION.name: COMPLETION}
ALL_COMMANDS: tuple[Subcommand, ...] = (*SUBCOMMANDS.values(), *TOP_LEVEL.values())
GROUP_SUMMARY = "Manage service tokens"

EXPIRY_PRESETS: tuple[tuple[int, str], ...] = (
    (3600, "1 hour"),
    (DEFAULT_EXPIRY, "1 day (default)"),
    (604800, "7 days"),
    (2592000, "30 days"),
    (7776000, "90 days"),
    (31536000, "1 year"),
    (0, "never expires"),
)


# ---------------------------------------------------------------------- parse results


@record
class Occurrence:
    """One use of a flag. ``word``/``offset`` locate the value (``word`` None: a bare bool flag)."""

    flag: Flag
    name_word: int
    value: str
    word: int | None
    offset: int


@record(frozen=False)
class ParsedCommand:
    argv: list[str]
    subcommand: Subcommand | None = None
    occurrences: list[Occurrence] = field(default_factory=list)
    positionals: list[tuple[int, str]] = field(default_factory=list)  # (word index, text), after the subcommand
    problems: list[Problem] = field(default_factory=list)
    help: bool = False

    def all(self, name: str) -> list[Occurrence]:
        return [o for o in self.occurrences if o.flag.name == name]

    def last(self, name: str) -> Occurrence | None:
        for occurrence in reversed(self.occurrences):  # no list: a create reads several flags this way
            if occurrence.flag.name == name:
                return occurrence
        return None

    def string(self, name: str) -> str | None:
        occurrence = self.last(name)
        return occurrence.value if occurrence else None

    def flag_set(self, name: str) -> bool:
        occurrence = self.last(name)
        return occurrence is not None and parse_bool(occurrence.value) is True

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


@record(frozen=False)
class CreateOptions:
    scopes: list[scopes.Scope]
    access_levels: list[str]
    name: str
    project_id: str | None
    expiry_seconds: int
    token_only: bool
    dry_run: bool


# ---------------------------------------------------------------------- value parsers


def parse_bool(text: str) -> bool | None:
    """Go's strconv.ParseBool."""
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return None


def _underscore_ok(s: str) -> bool:
    saw = "^"
    if s[:1] in ("-", "+"):
        s = s[1:]
    i, hexa = 0, False
    if len(s) >= 2 and s[0] == "0" and s[1].lower() in "box":
        i, saw, hexa = 2, "0", s[1].lower() == "x"
    while i < len(s):
        c = s[i]
        if (c.isdigit() and c.isascii()) or (hexa and c.lower() in "abcdef"):
            saw = "0"
        elif c == "_":
            if saw != "0":
                return False
            saw = "_"
        else:
            if saw == "_":
                return False
            saw = "!"
        i += 1
    return saw != "_"


def parse_go_int(text: str) -> int:
    """Go's ``strconv.ParseInt(text, 0, 64)``; raises ValueError with Go's message."""
    syntax = ValueError(f'strconv.ParseInt: parsing "{text}": invalid syntax')
    s = text
    negative = False
    if s[:1] in ("+", "-"):
        negative = s[0] == "-"
        s = s[1:]
    if not s:
        raise syntax
    base, digits = 10, s
    if s[0] == "0" and len(s) > 1:
        prefix = s[1].lower()
        if prefix in "box":
            base, digits = {"b": 2, "o": 8, "x": 16}[prefix], s[2:]
        else:
            base, digits = 8, s[1:]
    if "_" in digits and not _underscore_ok(text):
        raise syntax
    digits = digits.replace("_", "")
    if not digits or not re.fullmatch("[0-9a-fA-F]+", digits):
        raise syntax
    try:
        value = int(digits, base)
    except ValueError:
        raise syntax from None
    value = -value if negative else value
    if not -(2**63) <= value < 2**63:
        raise ValueError(f'strconv.ParseInt: parsing "{text}": value out of range')
    return value


def _on_value(o: Occurrence, severity: Severity, code: str, message: str, hint: str = "") -> Problem:
    """A problem underlining the value of one flag occurrence."""
    return Problem(severity, code, message, hint, word=o.word, start=o.offset, end=o.offset + len(o.value))


def invalid_argument(flag: Flag, value: str, reason: str) -> str:
    return f'invalid argument "{value}" for "{flag.label}" flag: {reason}'


# ---------------------------------------------------------------------- the parser


def _all_flags(sub: Subcommand | None) -> tuple[Flag, ...]:
    return (*(sub.flags if sub else ()), *GLOBAL_FLAGS)


def _close(word: str, choices: Sequence[str], cutoff: float = 0.6) -> list[str]:
    """The one closest choice, if any: difflib is imported only when a word needs a suggestion, not to start."""
    import difflib

    return difflib.get_close_matches(word, choices, n=1, cutoff=cutoff)


def _suggest_flag(name: str, sub: Subcommand | None) -> str:
    names = [f.name for f in _all_flags(sub) if not f.hidden]
    found = _close(name, names)
    prefixed = [n for n in names if n.startswith(name)] if name else []
    choice = found[0] if found else (prefixed[0] if len(prefixed) == 1 else None)
    return f"Did you mean --{choice}?" if choice else ""


_LOOKUPS: dict[int, tuple[Subcommand | None, dict[str | None, Flag], dict[str | None, Flag]]] = {}


def _flag_lookup(sub: Subcommand | None) -> tuple[dict[str | None, Flag], dict[str | None, Flag]]:
    """A command's flags by name and by shorthand, the first of ``_all_flags`` winning; made once per command. Kept
    by identity (a record's hash would cost more than the search), with the command itself, so its id stays its."""
    found = _LOOKUPS.get(id(sub))
    if found is None:
        names: dict[str | None, Flag] = {}
        shorts: dict[str | None, Flag] = {}
        for f in _all_flags(sub):
            names.setdefault(f.name, f)
            if f.short is not None:
                shorts.setdefault(f.short, f)
        found = _LOOKUPS[id(sub)] = (sub, names, shorts)
    return found[1], found[2]


def parse(argv: Sequence[str]) -> ParsedCommand:
    """Parse the words after the program name, e.g. ``["service-token", "create", "--scope=dev:/"]``."""
    result = ParsedCommand(list(argv))
    words = result.argv
    command_words: list[tuple[int, str]] = []
    flags_done = False
    i = 0

    def find(name: str | None, short: str | None) -> Flag | None:
        names, shorts = _flag_lookup(result.subcommand)
        return names.get(name) if name is not None else shorts.get(short)

    def add(flag: Flag, name_word: int, value: str, word: int | None, offset: int) -> None:
        result.occurrences.append(Occurrence(flag, name_word, value, word, offset))
        if flag.name == "help" and parse_bool(value):
            result.help = True

    while i < len(words):
        word = words[i]
        if flags_done or not word.startswith("-") or word == "-":
            if len(command_words) < 2 and result.subcommand is None:
                command_words.append((i, word))
                if len(command_words) == 1:
                    result.subcommand = TOP_LEVEL.get(word)
                elif command_words[0][1] == GROUP:
                    result.subcommand = SUBCOMMANDS.get(word)
            else:
                result.positionals.append((i, word))
            i += 1
            continue
        if word == "--":
            flags_done = True
            i += 1
            continue
        if word.startswith("--"):
            name, eq, value = word[2:].partition("=")
            flag = find(name, None)
            if flag is None:
                result.problems.append(
                    Problem(
                        "error",
                        "unknown-flag",
                        f"unknown flag: --{name}",
                        _suggest_flag(name, result.subcommand),
                        word=i,
                        start=0,
                        end=len(word) if not eq else 2 + len(name),
                    )
                )
                i += 1
                continue
            if eq:
                add(flag, i, value, i, 3 + len(name))
            elif flag.kind == "bool":
                add(flag, i, "true", None, 0)
            elif i + 1 < len(words):
                add(flag, i, words[i + 1], i + 1, 0)
                i += 1
            else:
                result.problems.append(
                    Problem(
                        "error", "missing-value", f"flag needs an argument: --{name}", word=i, start=0, end=len(word)
                    )
                )
            i += 1
            continue
        # shorthand: -s V, -sV, -s=V, and bool clusters such as -hy
        j = 1
        while j < len(word):
            short = word[j]
            flag = find(None, short)
            if flag is None:
                result.problems.append(
                    Problem(
                        "error",
                        "unknown-flag",
                        f"unknown shorthand flag: '{short}' in {word}",
                        word=i,
                        start=j,
                        end=j + 1,
                    )
                )
                break
            if flag.kind == "bool":
                if word[j + 1 : j + 2] == "=":
                    add(flag, i, word[j + 2 :], i, j + 2)
                    break
                add(flag, i, "true", None, 0)
                j += 1
                continue
            if word[j + 1 : j + 2] == "=":
                add(flag, i, word[j + 2 :], i, j + 2)
            elif j + 1 < len(word):
                add(flag, i, word[j + 1 :], i, j + 1)
            elif i + 1 < len(words):
                add(flag, i, words[i + 1], i + 1, 0)
                i += 1
            else:
                result.problems.append(
                    Problem(
                        "error",
                        "missing-value",
                        f"flag needs an argument: '{short}' in -{short}",
                        word=i,
                        start=0,
                        end=len(word),
                    )
                )
            break
        i += 1

    _check_command(result, command_words)
    _check_values(result)
    return result


def _check_command(result: ParsedCommand, command_words: list[tuple[int, str]]) -> None:
    if result.help:
        return
    if not command_words:
        result.problems.append(Problem("error", "missing-command", f"missing command: try '{PROGRAM} {GROUP} create'"))
        return
    index, first = command_words[0]
    if result.subcommand is not None and result.subcommand.group is None:
        _check_positionals(result, result.subcommand)
        return
    if first != GROUP:
        close = _close(first, [GROUP, *TOP_LEVEL], 0.5)
        hint = f"Did you mean '{close[0]}'?" if close else ""
        result.problems.append(
            Problem(
                "error",
                "unknown-command",
                f'unknown command "{first}" for "{PROGRAM}"',
                hint,
                word=index,
                start=0,
                end=len(first),
            )
        )
        return
    if len(command_words) < 2:
        result.help = True  # like the real CLI, a bare `service-token` does nothing; we show its help
        return
    index, name = command_words[1]
    if result.subcommand is None:
        close = _close(name, list(SUBCOMMANDS), 0.5)
        hint = f"Did you mean '{close[0]}'?" if close else f"Available: {', '.join(SUBCOMMANDS)}."
        result.problems.append(
            Problem(
                "error",
                "unknown-command",
                f'unknown command "{name}" for "{PROGRAM} {GROUP}"',
                hint,
                word=index,
                start=0,
                end=len(name),
            )
        )
        return
    _check_positionals(result, result.subcommand)


def _check_positionals(result: ParsedCommand, sub: Subcommand) -> None:
    if not result.positionals and not sub.positionals:  # nothing given, nothing wanted (every service-token create)
        return
    allowed = sub.max_positionals
    if allowed is not None and len(result.positionals) > allowed:
        extra_index, extra = result.positionals[allowed]
        result.problems.append(
            Problem(
                "error",
                "extra-argument",
                f"accepts {allowed} arg(s), received {len(result.positionals)}",
                f"Unexpected '{extra}'; values go after a flag, e.g. --scope=dev:/.",
                word=extra_index,
                start=0,
                end=len(extra),
            )
        )
    missing = [p for p in sub.positionals[len(result.positionals) :] if p.required]
    if missing:
        result.problems.append(
            Problem(
                "error",
                "missing-argument",
                f"accepts {len(sub.positionals)} arg(s), received {len(result.positionals)}",
                f"Give the {missing[0].name}: {missing[0].help}.",
            )
        )
    for (index, value), positional in zip(result.positionals, sub.positionals, strict=False):
        if positional.choices and value not in positional.choices:
            result.problems.append(
                Problem(
                    "error",
                    "bad-choice",
                    f'invalid argument "{value}" for {positional.name}',
                    f"Choose one of: {', '.join(positional.choices)}.",
                    word=index,
                    start=0,
                    end=len(value),
                )
            )


def _check_values(result: ParsedCommand) -> None:
    for occurrence in result.occurrences:
        flag, value = occurrence.flag, occurrence.value
        if flag.kind == "bool" and parse_bool(value) is None:
            reason = f'strconv.ParseBool: parsing "{value}": invalid syntax'
            result.problems.append(_on_value(occurrence, "error", "bad-bool", invalid_argument(flag, value, reason)))
        elif flag.kind == "int":
            try:
                parse_go_int(value)
            except ValueError as err:
                result.problems.append(
                    _on_value(
                        occurrence,
                        "error",
                        "bad-int",
                        invalid_argument(flag, value, str(err)),
                        "Give a whole number of seconds, e.g. 3600 (0 = never expires).",
                    )
                )
        elif flag.choices and value not in flag.choices:
            close = _close(value.strip().lower(), flag.choices)
            hint = f"Did you mean '{close[0]}'?" if close else f"Choose one of: {', '.join(flag.choices)}."
            problem = _on_value(
                occurrence, "error", "bad-choice", invalid_argument(flag, value, "not one of its choices"), hint
            )
            if close:
                problem = Problem(
                    problem.severity,
                    problem.code,
                    problem.message,
                    problem.hint,
                    problem.word,
                    problem.start,
                    problem.end,
                    Fix(f"Use '{close[0]}'", occurrence.offset, occurrence.offset + len(value), close[0]),
                )
            result.problems.append(problem)
        elif flag.kind == "list" and "\n" in value:
            result.problems.append(
                _on_value(
                    occurrence,
                    "error",
                    "value-line-break",
                    f"The --{flag.name} value contains a line break.",
                    "The Infisical CLI would silently drop everything after it; put each value in its own flag.",
                )
            )


# ---------------------------------------------------------------------- create


def list_fields(result: ParsedCommand, name: str) -> tuple[list[Field], list[Problem]]:
    """Every CSV field of a slice flag, placed in argv; CSV errors as problems."""
    fields: list[Field] = []
    problems: list[Problem] = []
    for occurrence in result.all(name):
        try:
            found = split_csv(occurrence.value)
        except CsvError as err:
            problems.append(
                Problem(
                    "error",
                    "csv",
                    csv_error_text(occurrence.flag.label, occurrence.value, err),
                    'Quote a value containing a comma as "..." and double any quote inside it.',
                    word=occurrence.word,
                    start=occurrence.offset + err.offset,
                    end=occurrence.offset + err.offset + 1,
                )
            )
            continue
        word, offset = occurrence.word, occurrence.offset  # placed directly: ``replace`` costs more than the split
        fields += [Field(f.text, f.start, f.end, word, offset) for f in found]
    return fields, problems


def _whole(values: Sequence[str]) -> list[Field]:
    """Structured values (the editor's pickers): each one is one field, never split as CSV."""
    return [Field.whole(v) for v in values]


def _read_scopes(placed: list[Field]) -> tuple[list[scopes.Scope], list[Problem]]:
    from .scope import MALFORMED, lint_scope, parse_scope_field  # names, not the package's attribute: no fromlist

    problems: list[Problem] = []
    given_scopes: list[scopes.Scope] = []
    seen: set[tuple[str, str]] = set()
    for item in placed:
        parsed = parse_scope_field(item)
        if parsed is None:
            text = item.text
            hint = f"'{text}' has {text.count(':')} colons; write dev:/backend/**."
            problems.append(item.problem("error", "scope-malformed", MALFORMED, hint))
            continue
        alone = len(placed) == 1  # a token's only scope pins it: what it reads then differs
        problems += [p.shifted(item.word, item.offset) for p in lint_scope(parsed, alone)]
        key = (parsed.environment.strip(), parsed.server_path)
        if key in seen:
            message = f"Scope '{parsed.text}' is given twice."
            problems.append(item.problem("warning", "scope-duplicate", message, "Remove one of them."))
        seen.add(key)
        given_scopes.append(parsed)
    return given_scopes, problems


def _access_levels(placed: list[Field]) -> tuple[list[str], list[Problem]]:
    access: list[str] = []
    problems: list[Problem] = []
    for item in placed:
        text = item.text
        if text in ACCESS_LEVELS:
            access.append(text)
            continue
        close = text.strip().lower()
        matches = [close] if close in ACCESS_LEVELS else _close(close, ACCESS_LEVELS)
        suggestion = matches[0] if matches else None
        start, end = item.offset + item.start, item.offset + item.end
        problems.append(
            item.problem(
                "error",
                "bad-access-level",
                BAD_ACCESS,
                f"Got '{text}'." + (f" Did you mean '{suggestion}'?" if suggestion else ""),
                Fix(f"Use '{suggestion}'", start, end, suggestion) if suggestion else None,
            )
        )
    return access, problems


def _expiry_problems(expiry: int, at: Field, now: float | None) -> list[Problem]:
    limit = int((JS_DATE_LIMIT_MS - (time.time() if now is None else now) * 1000) // 1000)
    if expiry < 0:
        message = f"--expiry-seconds {expiry} would create a token that has already expired."
        hint = "Use a positive number of seconds, or 0 for a token that never expires."
        return [at.problem("error", "expiry-negative", message, hint)]
    if expiry > limit:
        message = f"--expiry-seconds {expiry} is past the latest date the server can store."
        return [at.problem("error", "expiry-too-large", message, "Use 0 for a token that never expires.")]
    return []


def _missing(scopes_given: bool, access_given: bool) -> list[Problem]:
    problems = []
    if not scopes_given:
        hint = "Add --scope=<env-slug>:<folder-path>, e.g. --scope=dev:/**."
        problems.append(Problem("error", "missing-scope", MISSING_SCOPE, hint))
    if not access_given:
        problems.append(
            Problem("error", "missing-access-level", MISSING_ACCESS, "Add --access-level=read (and/or write).")
        )
    return problems


def create_options(result: ParsedCommand, now: float | None = None) -> tuple[CreateOptions, list[Problem]]:
    """The typed values of a create command, and every problem in them (syntax only, no network)."""
    scope_fields, scope_csv = list_fields(result, "scope")
    access_fields, access_csv = list_fields(result, "access-level")
    given_scopes, problems = _read_scopes(scope_fields)
    access, access_problems = _access_levels(access_fields)
    problems = scope_csv + problems + access_csv + access_problems
    problems += _missing(bool(scope_fields or scope_csv), bool(access_fields or access_csv))
    expiry = DEFAULT_EXPIRY
    expiry_arg = result.last("expiry-seconds")
    if expiry_arg is not None:
        try:
            expiry = parse_go_int(expiry_arg.value)
        except ValueError:
            pass  # reported by _check_values
        else:
            at = Field.whole(expiry_arg.value, expiry_arg.word, expiry_arg.offset)
            problems += _expiry_problems(expiry, at, now)
    options = CreateOptions(
        scopes=given_scopes,
        access_levels=access,
        name=result.string("name") or ("" if result.last("name") else DEFAULT_NAME),
        project_id=result.string("projectId"),
        expiry_seconds=expiry,
        token_only=result.flag_set("token-only"),
        dry_run=result.flag_set("dry-run"),
    )
    return options, problems


def create_options_from_values(
    scope_values: Sequence[str],
    access_levels: Sequence[str],
    *,
    name: str | None = None,
    expiry_seconds: int | None = None,
    project_id: str | None = None,
    dry_run: bool = False,
    token_only: bool = False,
    now: float | None = None,
) -> tuple[CreateOptions, list[Problem]]:
    """The same options and checks from structured values (an editor's pickers): no flag strings involved."""
    scope_items, access_items = _whole(scope_values), _whole(access_levels)
    given_scopes, problems = _read_scopes(scope_items)
    access, access_problems = _access_levels(access_items)
    problems += access_problems + _missing(bool(scope_items), bool(access_items))
    expiry = DEFAULT_EXPIRY if expiry_seconds is None else expiry_seconds
    problems += _expiry_problems(expiry, Field.whole(str(expiry)), now)
    options = CreateOptions(
        scopes=given_scopes,
        access_levels=access,
        name=DEFAULT_NAME if name is None else name,
        project_id=project_id or None,
        expiry_seconds=expiry,
        token_only=token_only,
        dry_run=dry_run,
    )
    return options, problems


def check(argv: Sequence[str], now: float | None = None) -> tuple[ParsedCommand, list[Problem]]:
    """Parse and check a whole command line; every syntax problem, in argv order where placed."""
    parsed, problems, _options = checked(argv, now)
    return parsed, problems


def checked(argv: Sequence[str], now: float | None = None) -> tuple[ParsedCommand, list[Problem], CreateOptions | None]:
    """``check``, with the typed values of a create command (None for any other, or a call for its help): what
    the checks read once, for a caller that needs them too (the editor's scopes of a line)."""
    parsed = parse(argv)
    problems = list(parsed.problems)
    options = None
    if parsed.subcommand is CREATE and not parsed.help:
        options, create_problems = create_options(parsed, now)
        problems += create_problems
    return parsed, problems, options
