"""``infisical-tokens``: the command line. It only parses, confirms, calls :mod:`workflows`, and prints.

Output follows the Infisical CLI: human output and messages on stderr, ``--token-only`` prints the
bare token on stdout, ``list``/``view`` print data on stdout; ``--json`` prints one JSON document on stdout.
Every error starts with ``error:``; progress (waits and retries) goes to stderr only when it is a terminal.
Exit 0 on success, 1 on any error (including a malformed scope, where the Infisical CLI exits 0), 3 when
``rotate`` created the new token but could not delete the old one, 130 on Ctrl-C.
"""

from __future__ import annotations

import os
import sys

from . import __version__
from .help_text import CHECK_FLAGS, TOP_HELP

# imported when a command runs, not for --help and --version: those start about as fast as Python does; not even
# typing, so that a check starts git before anything else loads (tests/test_startup_imports.py)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any, TextIO

    from . import command, outcomes
    from .context import Context
    from .migration import Migrated
    from .problems import Problem

HELP = (["--help"], ["-h"], ["help"])


class OutputFailed(Exception):
    """Our own output could not be written (a full disk, a closed pipe, a closed stream)."""

    def __init__(self, text: str, stream: TextIO | None) -> None:
        super().__init__(text)
        self.stream = stream


class Console:
    # stdin is None when the process started with it closed (`<&-`)
    def __init__(self, stdout: TextIO, stderr: TextIO, stdin: TextIO | None, silent: bool = False) -> None:
        self.stdout, self.stderr, self.stdin, self.silent = stdout, stderr, stdin, silent

    def out(self, text: str) -> None:
        _write(self.stdout, text, "standard output")

    def err(self, text: str) -> None:
        _write(self.stderr, text if text.endswith("\n") else text + "\n", "standard error")

    def waiting(self, text: str) -> None:
        """What the command waits for: for a person at a terminal only, never into a pipe or a log."""
        if self.stderr.isatty():
            self.err(text)

    def warn(self, text: str) -> None:
        if not self.silent:
            self.err(f"Warning: {text}")

    def problems(self, problems: Sequence[Problem], argv: Sequence[str]) -> bool:
        """Print problems (warnings unless --silent); True when any is an error."""
        from . import render

        failed = False
        for problem in problems:
            if problem.severity == "error":
                failed = True
                self.err(render.problem_text(problem, argv))
            elif not self.silent:
                self.err(render.problem_text(problem, argv))
        return failed

    def confirm(self, label: str) -> bool:
        """Ask on a terminal; refuse (with how to skip the question) anywhere else."""
        from .errors import UsageError

        if self.stdin is None or not self.stdin.isatty():
            raise UsageError(f"Refusing to delete service token {label} without confirmation: pass --yes.")
        self.stderr.write(f"Delete service token {label}? This cannot be undone. [y/N] ")
        self.stderr.flush()
        return self.stdin.readline().strip().lower() in ("y", "yes")

    def read_line(self) -> str:
        """A line typed at a terminal; from a pipe, all of it (so a token split over lines is seen whole); never
        more than ``MAX_STDIN`` characters (a workflow refuses that many)."""
        from .context import MAX_STDIN
        from .errors import UsageError

        if self.stdin is None:
            raise UsageError("There is no standard input to read the token from (it is closed); pipe the token.")
        try:
            return self.stdin.readline(MAX_STDIN) if self.stdin.isatty() else self.stdin.read(MAX_STDIN)
        except UnicodeDecodeError:
            raise UsageError(
                "Standard input is not text, so it holds no service token; pipe the token alone."
            ) from None


def _write(stream: TextIO | None, text: str, name: str) -> None:
    if stream is None:  # what Python makes of a stream the process started with closed
        raise OutputFailed(f"{name} is closed", stream)
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError) as err:  # ValueError: a stream closed under us
        raise OutputFailed(f"{name}: {getattr(err, 'strerror', None) or err}", stream) from None


def complete(argv: Sequence[str], ctx: Context, console: Console) -> int:
    """The hidden ``__complete`` the completion scripts call; ``--bash WORDBREAKS LINE`` for bash, else the
    words after the program (the last one being typed). Ends the process at once after answering: a catalog
    read still under way must not hold the shell."""
    from . import shell

    if argv[:1] == ["--bash"] and len(argv) == 3:
        words = shell.words_of_line(argv[2])
        text = shell.respond(words, ctx).text(argv[1], words[-1] if words else "")
    else:
        text = shell.respond(argv, ctx).text()
    console.out(text)
    os._exit(0)


def run(argv: Sequence[str], ctx: Context, console: Console) -> int:
    if argv[:1] == ["__complete"]:
        return complete(argv[1:], ctx, console)
    if list(argv[:1]) in (["--version"], ["version"]):
        console.out(f"infisical-tokens {__version__}\n")
        return 0
    if not argv or list(argv[:1]) in HELP:
        console.out(TOP_HELP)
        return 0
    from . import command
    from .problems import has_errors
    from .record import replace

    parsed, problems = command.check(argv)
    from . import render
    from .errors import ProblemsError

    console.silent = parsed.flag_set("silent")
    if parsed.help:
        console.out(render.help_text(parsed.subcommand))
        return 0
    if parsed.subcommand is command.CREATE and parsed.flag_set("dry-run") and has_errors(problems):
        from . import workflows  # online, a refused dry run says what the server in use does with the scope

        problems = list(workflows.refusal_for_server(parsed, problems, replace(ctx, warn=console.warn)))
    if console.problems(problems, argv) or parsed.subcommand is None:
        return 1
    from . import workflows

    as_json = parsed.flag_set("json") or parsed.string("format") == "json"
    held: list[outcomes.Created] = []  # with --json, a rotation's new token is printed in its one document

    def deliver(created: outcomes.Created) -> None:
        if as_json:
            held.append(created)  # printed with the outcome, or alone if the run stops after this
            return
        _created(created, parsed, console)  # rotate: shown before the old token's delete is even tried
        ctx.progress.delivered = True

    def hand_over(done: Migrated) -> bool:
        """migrate: the credentials are written before the old token's delete is tried (raises if they cannot)."""
        from . import migration_text

        console.out(migration_text.json_head(done) if as_json else migration_text.credentials_text(done))
        return True

    ctx = replace(
        ctx,
        warn=console.warn,
        hand_over=hand_over,
        confirm=console.confirm,
        read_stdin=console.read_line,
        deliver=deliver,
        waiting=console.waiting,
    )
    try:
        try:
            outcome = workflows.run(parsed, ctx)
        except BaseException:
            if held:  # the new token exists: whatever stopped the rotation, it is not lost
                console.out(render.json_text(held[0]))
                ctx.progress.delivered = True
            raise
    except ProblemsError as err:
        console.problems(err.problems, argv)
        return 1
    except workflows.Cancelled as err:
        console.err(str(err))
        return 1
    if as_json:
        console.out(_json_rest(outcome))
        code = exit_code(outcome)
    else:
        code = show(outcome, parsed, console)
    ctx.progress.delivered = True  # printed (a created token included) without an error
    return code


def check_folders(argv: Sequence[str]) -> list[str] | None:
    """The folders a ``check`` command line names (``.`` when none), read before the command model is even
    imported, so that git can start on them at once; None for anything else, and for a line this reading does not
    follow word for word as the parser would (a shorthand flag, an unknown one, ``--help``): the check then starts
    git itself, a little later."""
    if argv[:1] != ["check"]:
        return None
    paths: list[str] = []
    words = iter(argv[1:])
    for word in words:
        if word == "--":
            paths += words
        elif not word.startswith("-") or word == "-":
            paths.append(word)
        else:
            name, eq, _value = word.partition("=")
            takes_value = CHECK_FLAGS.get(name[2:]) if name.startswith("--") else None
            if takes_value is None or name == "--help":
                return None
            if takes_value and not eq and next(words, None) is None:
                return None
    return paths or ["."]


def _json_rest(outcome: object) -> str:
    """The outcome's JSON document, or what remains of it when migrate already wrote its credentials."""
    from . import render

    done = _migrated(outcome)
    if done is not None and done.shown:
        from . import migration_text

        return migration_text.json_tail(done)
    return render.json_text(outcome)


def _defined_in(outcome: object, module: str) -> bool:
    """Whether the outcome's type is defined in ``module`` of core, asked without importing that module: an offline
    check loads neither migrate's outcomes nor the other commands' (``tests/test_startup_imports.py``)."""
    return type(outcome).__module__ == f"{__package__}.{module}"


def _migrated(outcome: object) -> Migrated | None:
    """The outcome if migrate answered it."""
    if not _defined_in(outcome, "migration"):
        return None
    from .migration import Migrated

    return outcome if isinstance(outcome, Migrated) else None


def exit_code(outcome: object) -> int:
    """1 when an audit or check found what fails it, 3 when a rotation could not delete the old token."""
    from .check_report import CheckReport

    if isinstance(outcome, CheckReport):
        return 1 if outcome.failed else 0
    done = _migrated(outcome)
    if done is not None:
        return 3 if done.delete_error else 0
    if not _defined_in(outcome, "outcomes"):
        return 0
    from . import outcomes

    if isinstance(outcome, outcomes.AuditReport):
        return 1 if outcome.failed else 0
    if isinstance(outcome, outcomes.Rotated):
        return 3 if outcome.delete_error else 0
    return 0


def show(outcome: object, parsed: command.ParsedCommand, console: Console) -> int:
    """Print the outcome's presentation (or this face's own rendering of it) and answer the exit code."""
    from . import render

    own = overrides().get(type(outcome)) if _defined_in(outcome, "outcomes") else None
    if own is not None:
        return own(outcome, parsed, console)
    shown = render.presentations()[type(outcome)]
    text = shown.text(outcome)
    if shown.stream == "out":
        console.out(text)
    else:
        console.err(text)
    aside = shown.aside(outcome) if shown.aside is not None else None
    if aside:
        console.err(aside)
    return exit_code(outcome)


def _created(outcome: outcomes.Created, parsed: command.ParsedCommand, console: Console) -> int:
    """``--token-only``: the bare token on standard output, for a pipe."""
    from . import render

    if outcome.plan.options.token_only:
        console.out(outcome.token + "\n")
    else:
        console.err(render.presentations()[type(outcome)].text(outcome))
    return 0


def _audited(outcome: outcomes.AuditReport, parsed: command.ParsedCommand, console: Console) -> int:
    """``--format github`` too: annotations for a CI log."""
    from . import command, render

    console.out(render.AUDIT_FORMATS[parsed.string("format") or command.DEFAULT_FORMAT](outcome))
    return exit_code(outcome)


def overrides() -> dict[type, Callable[[Any, command.ParsedCommand, Console], int]]:
    """The outcome types the command line shows its own way, all of :mod:`outcomes` (a test checks each is an
    outcome a workflow returns)."""
    from . import outcomes

    return {outcomes.Created: _created, outcomes.AuditReport: _audited}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    console = Console(sys.stdout, sys.stderr, sys.stdin)
    if not argv or argv[:1] in HELP:
        return _top_help(console)
    folders = check_folders(argv)
    if folders is not None:  # git lists and searches them while the rest of the program loads
        from .git_start import start_early

        start_early(folders)
    try:
        if folders is None:
            return _guarded(argv, console)
        from .check import paused_collection

        with paused_collection():  # from here: the check's imports make no cycle either
            return _guarded(argv, console)
    finally:
        if folders is not None:  # a check that stopped before it took its git searches over: they end here
            from .git_start import drop_early

            drop_early()


def _guarded(argv: list[str], console: Console) -> int:
    """:func:`run`, with every way it can fail said in one line (and a created token never lost)."""
    from .context import Context
    from .errors import APIError, InfisicalTokensError, TransportError

    try:
        ctx = Context.of_process()
    except OSError as err:  # the working folder was deleted under the shell
        _tell(console, f"error: the working folder cannot be read ({err.strerror or err}); was it deleted?")
        return 1
    try:
        return run(argv, ctx, console)
    except KeyboardInterrupt:
        _tell(console, "Interrupted.", _lost_token(ctx))
        return 130
    except OutputFailed as err:
        _silence(err.stream)
        _tell(console, f"error: the output could not be written ({err}).", _lost_token(ctx))
        return 1
    except (APIError, TransportError) as err:
        _tell(console, f"error: {err}")
        return 1
    except InfisicalTokensError as err:
        _tell(console, f"error: {err}")  # one prefix for every error the command line prints
        return 1
    except Exception as err:
        if os.environ.get("INFISICAL_TOKENS_DEBUG"):
            raise
        _tell(
            console,
            f"error: unexpected {type(err).__name__}. This is a bug in infisical-tokens; please report it "
            "(set INFISICAL_TOKENS_DEBUG=1 to see the traceback).",
            _lost_token(ctx),
        )
        return 1


def _lost_token(ctx: Context) -> str | None:
    """What to say of a created token the run could not show (the renderer is loaded by then, or now)."""
    from . import render

    return render.lost_token_text(ctx.progress)


def _top_help(console: Console) -> int:
    """The top-level help, printed before the command model is even imported; it fails as :func:`main` would
    (nothing is at stake: no request was sent)."""
    try:
        console.out(TOP_HELP)
    except KeyboardInterrupt:
        _tell(console, "Interrupted.")
        return 130
    except OutputFailed as err:
        _silence(err.stream)
        _tell(console, f"error: the output could not be written ({err}).")
        return 1
    return 0


def _tell(console: Console, *lines: str | None) -> None:
    """The last words, on stderr when it can take them (it may be the stream that failed)."""
    try:
        console.err("\n".join(line for line in lines if line))
    except OutputFailed as err:
        _silence(err.stream)


def _silence(stream: TextIO | None) -> None:
    """Point a failed stream at /dev/null: its unwritten buffer would otherwise fail again at exit, with
    Python's own "Exception ignored" message and exit code 120 instead of ours."""
    if stream is None:
        return
    import contextlib

    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)


def program() -> int:
    """The ``infisical-tokens`` program: :func:`main` in a process of its own, which ends when it returns. A check
    runs without Python's cycle collector (it makes no cycles; see :func:`check.paused_collection`), and no
    command makes a last collection of everything it holds on its way out: the objects are frozen first, as a
    process that ends has nothing to collect (that collection was 35 ms of a 200,000-file check)."""
    import gc

    if check_folders(sys.argv[1:]) is not None:
        gc.disable()  # and left so: the process ends with the check
    try:
        return main()
    finally:
        gc.freeze()


if __name__ == "__main__":
    sys.exit(program())
