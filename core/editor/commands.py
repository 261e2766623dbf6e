"""Editor features for ``infisical service-token ...`` command lines found in any text.

Pure functions over :class:`CommandSite` values (see :mod:`snippets`): diagnostics, completion,
hover and actions. The command's definition and checks are :mod:`command`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from .. import command, reach, scope
from ..filetypes import Kind
from ..flag_csv import split_csv_lenient
from ..glob import GlobSyntaxError
from ..lexer import Word
from ..needs import Need, needs_for_scope
from ..problems import Problem
from ..snapshot import Snapshot, per_snapshot
from ..snippets import CommandSite, find_commands
from .answers import DOMAINS, Action, Completion, Completions, CreateRequest, Edit, Finding, HoverInfo, md_code, md_text

DocMapFn = Callable[[int], int]  # index into a word's text -> document offset


def _word_range(site: CommandSite, problem: Problem, word: Word | None) -> tuple[int, int]:
    """Where a problem is underlined: in ``word`` (the argv word it names), else from the program to the
    subcommand."""
    if word is None:
        last = site.words[min(2, len(site.words) - 1)]
        return site.start, last.end
    start = word.doc_offset(problem.start)
    end = word.doc_offset(problem.end) if problem.end > problem.start else start
    if end <= start:
        end = min(start + 1, word.end) if start < word.end else start
    return start, end


def _finding(site: CommandSite, problem: Problem) -> Finding:
    word = site.word(problem.word + 1) if problem.word is not None else None  # positioned once, alone
    start, end = _word_range(site, problem, word)
    fix = None
    if problem.fix is not None and word is not None:
        fix = Edit(word.doc_offset(problem.fix.start), word.doc_offset(problem.fix.end), problem.fix.text)
    return Finding(
        problem.severity,
        problem.code,
        problem.message,
        start,
        end,
        problem.hint,
        fix,
        problem.fix.title if problem.fix else "",
    )


def _catalog_problems(parsed: command.ParsedCommand, snapshot: Snapshot) -> list[Problem]:
    """Unknown environments and scopes that cover no folder, when the catalog really knows them."""
    if not snapshot.online:
        return []
    explicit = parsed.string("projectId")
    if explicit and explicit != snapshot.project_id:
        return []
    problems: list[Problem] = []
    fields, _ = command.list_fields(parsed, "scope")
    for f in fields:
        parsed_scope = scope.parse_scope_field(f)
        if parsed_scope is None:
            continue
        found = scope.check_environment(parsed_scope, snapshot.slugs)
        env = parsed_scope.environment
        needs = needs_for_scope(env.strip(), parsed_scope.server_path)
        if found is None and env in snapshot.folders and all(snapshot.knows_all(n) for n in needs):
            try:
                covered = snapshot.covered(env, parsed_scope.server_path)
            except GlobSyntaxError:
                covered = []  # lint_scope has said why; check_folders stays quiet on an unusable glob
            found = scope.check_folders(parsed_scope, covered)
        if found is not None:
            problems.append(found.shifted(f.word, f.offset))
    return problems


def syntax_problems(argv: tuple[str, ...]) -> tuple[command.ParsedCommand, tuple[Problem, ...]]:
    """``command.check`` of one command line, remembered: an edit re-checks only the lines it changed.

    (The expiry limit depends on today's date; a cached answer is at most a session old, far inside it.)
    Callers must not change the returned ParsedCommand.
    """
    parsed, problems, _scopes = _checked(argv)
    return parsed, problems


@lru_cache(maxsize=8192)
def _checked(argv: tuple[str, ...]) -> tuple[command.ParsedCommand, tuple[Problem, ...], tuple[scope.Scope, ...]]:
    """A command line parsed and checked once for both of its uses: its problems, and the well-formed scopes it
    names with an environment (the ones the checks read, for a create; read from the parse for a call for help)."""
    parsed, problems, options = command.checked(argv)
    if options is not None:
        given: Iterable[scope.Scope | None] = options.scopes
    else:
        fields, _ = command.list_fields(parsed, "scope")
        given = (scope.parse_scope_field(f) for f in fields)
    return parsed, tuple(problems), tuple(s for s in given if s is not None and s.environment.strip())


GENERATIONAL = frozenset({"scope-empty-path", "scope-no-leading-slash"})  # their truth depends on the server


def told_for(
    parsed: command.ParsedCommand, problems: tuple[Problem, ...], generation: reach.Generation
) -> tuple[Problem, ...]:
    """The scope problems whose truth depends on the server's generation, said for the one in use."""
    if not any(p.code in GENERATIONAL for p in problems):
        return problems
    fields, _ = command.list_fields(parsed, "scope")
    told: dict[tuple[str, int | None, int], Problem] = {}
    for f in fields:
        parsed_scope = scope.parse_scope_field(f)
        for problem in scope.lint_scope(parsed_scope, len(fields) == 1, generation) if parsed_scope else ():
            if problem.code in GENERATIONAL:
                moved = problem.shifted(f.word, f.offset)
                told[(moved.code, moved.word, moved.start)] = moved
    return tuple(told.get((p.code, p.word, p.start), p) for p in problems)


def site_problems(site: CommandSite, snapshot: Snapshot) -> tuple[Problem, ...]:
    """Every problem of one command line, remembered per (command line, catalog snapshot)."""
    argv = site.key
    parsed, problems = syntax_problems(argv)
    if parsed.subcommand is not command.CREATE or parsed.help or not snapshot.online:
        return problems
    memo = per_snapshot(snapshot)
    if argv not in memo:
        told = told_for(parsed, problems, snapshot.generation) if snapshot.generation else problems
        memo[argv] = told + tuple(_catalog_problems(parsed, snapshot))
    found: tuple[Problem, ...] = memo[argv]
    return found


def site_findings(site: CommandSite, snapshot: Snapshot) -> list[Finding]:
    if not site.is_service_token:
        return []
    return [_finding(site, p) for p in site_problems(site, snapshot)]


def sites_findings(sites: Iterable[CommandSite], snapshot: Snapshot) -> list[Finding]:
    """``site_findings`` of every command line, each distinct line asked about once: a long script repeats
    the same few lines thousands of times, and only a line with problems needs its positioned words."""
    problems_of: dict[tuple[str, ...], tuple[Problem, ...]] = {}
    found: list[Finding] = []
    for site in sites:
        key = site.key
        problems = problems_of.get(key)
        if problems is None:
            problems = problems_of[key] = site_problems(site, snapshot) if site.is_service_token else ()
        if problems:
            found += [_finding(site, p) for p in problems]
    return found


def workspace_scopes(text: str, kind: Kind | None, sites: Sequence[CommandSite] | None = None) -> list[scope.Scope]:
    """Every well-formed scope the document's distinct command lines name (their slugs are the offline fallback
    for completion; their paths say which folder subtrees the catalog should read), in reading order."""
    found: list[scope.Scope] = []
    seen: set[tuple[str, ...]] = set()
    for site in find_commands(text, kind) if sites is None else sites:
        key = site.key
        if key not in seen:
            seen.add(key)
            if site.is_service_token:
                found += _checked(key)[2]
    return found


# ---------------------------------------------------------------------- completion


def _cursor_word(site: CommandSite, offset: int) -> tuple[int, Word | None]:
    """(index of the word in site.words, the word) under the cursor; word None: a new word at the cursor."""
    for i, word in enumerate(site.words):
        if word.start <= offset <= word.end:
            return i, word
    count = sum(1 for w in site.words if w.end < offset)
    return count, None


def _flag_items(parsed_sub: command.Subcommand, used: set[str], start: int, end: int) -> list[Completion]:
    items = []
    for flag in (*parsed_sub.flags, *command.GLOBAL_FLAGS):
        if flag.hidden or flag.name == "help":
            continue
        if flag.name in used and flag.kind != "list":
            continue
        takes_value = flag.kind != "bool"
        insert = f"--{flag.name}=" if takes_value else f"--{flag.name}"
        items.append(
            Completion(
                insert,
                insert,
                start,
                end,
                "flag",
                detail=f"-{flag.short}" if flag.short else "",
                documentation=flag.help,
                sort_text=("0" if flag.name in ("scope", "access-level") else "1") + flag.name,
                retrigger=takes_value,
            )
        )
    return items


def _split_field(value: str, cursor: int) -> tuple[int, int]:
    """The CSV field of ``value`` around index ``cursor``: (start, end) indexes in ``value``."""
    start = value.rfind(",", 0, cursor) + 1
    end = value.find(",", cursor)
    return start, len(value) if end < 0 else end


ValueItems = tuple[list[Completion], bool, tuple[Need, ...]]  # items, incomplete, folder listings to read


def _scope_items(field_text: str, cursor: int, snapshot: Snapshot, to_doc: DocMapFn) -> ValueItems:
    """Completions for one scope field (``env:path``); ``cursor`` is an index into ``field_text``."""
    colon = field_text.find(":")
    if colon < 0 or cursor <= colon:
        start, end = to_doc(0), to_doc(colon if colon >= 0 else len(field_text))
        env_items = []
        for env in snapshot.environments:
            env_items.append(
                Completion(
                    env.slug,
                    f"{env.slug}:" if colon < 0 else env.slug,
                    start,
                    end,
                    "environment",
                    detail=env.name if env.name != env.slug else "",
                    retrigger=colon < 0,
                )
            )
        return env_items, not snapshot.online, ()
    path = field_text[colon + 1 : cursor]
    parent = path[: path.rfind("/") + 1] if "/" in path else ""
    start, end = to_doc(colon + 1), to_doc(len(field_text))
    slug = field_text[:colon].strip()
    items: list[Completion] = []
    if not parent:
        items.append(Completion("/", "/", start, end, "folder", "the root folder only", sort_text="0/"))
        items.append(Completion("/**", "/**", start, end, "folder", "every folder", sort_text="0/**"))
        parent = "/"
    else:
        items.append(
            Completion(
                f"{parent}**",
                f"{parent}**",
                start,
                end,
                "folder",
                f"everything under {parent.rstrip('/') or '/'}",
                sort_text=f"0{parent}**",
            )
        )
    for name in sorted(snapshot.children(slug, parent)):
        folder = f"{parent}{name}"
        items.append(
            Completion(
                f"{folder}/",
                f"{folder}/",
                start,
                end,
                "folder",
                "its subfolders next",
                sort_text=f"1{folder}/",
                retrigger=True,
            )
        )
        items.append(
            Completion(
                f"{folder}/**",
                f"{folder}/**",
                start,
                end,
                "folder",
                f"{folder} and everything below it",
                sort_text=f"1{folder}/**",
            )
        )
        items.append(Completion(folder, folder, start, end, "folder", f"only {folder} itself", sort_text=f"2{folder}"))
    listing = parent.rstrip("/") or "/"
    if snapshot.online and not snapshot.knows(slug, listing):
        return items, True, (Need(slug, listing, deep=False),)  # asked for; the editor asks again as you type
    return items, not snapshot.online, ()


def _value_items(flag: command.Flag, value: str, cursor: int, snapshot: Snapshot, to_doc: DocMapFn) -> ValueItems:
    if flag.name == "scope":
        f_start, f_end = _split_field(value, cursor)
        field_text = value[f_start:f_end]
        return _scope_items(field_text, cursor - f_start, snapshot, lambda i: to_doc(f_start + i))
    if flag.name == "access-level":
        f_start, f_end = _split_field(value, cursor)
        start, end = to_doc(f_start), to_doc(f_end)
        return (
            [
                Completion(level, level, start, end, "value", detail)
                for level, detail in (
                    ("read", "read secrets in the scopes"),
                    ("write", "create, change and delete secrets"),
                )
            ],
            False,
            (),
        )
    start, end = to_doc(0), to_doc(len(value))
    if flag.name == "expiry-seconds":
        return (
            [
                Completion(str(seconds), str(seconds), start, end, "value", meaning, sort_text=f"{i:02d}")
                for i, (seconds, meaning) in enumerate(command.EXPIRY_PRESETS)
            ],
            False,
            (),
        )
    if flag.name == "projectId":
        return (
            [Completion(p.name, p.id, start, end, "project", p.id, filter_text=p.id) for p in snapshot.projects],
            not snapshot.online,
            (),
        )
    if flag.name == "domain":
        return [Completion(url, url, start, end, "value", label) for url, label in DOMAINS], False, ()
    return [Completion(c, c, start, end, "value") for c in flag.choices], False, ()


def complete(site: CommandSite, offset: int, snapshot: Snapshot) -> Completions:
    index, word = _cursor_word(site, offset)
    if index == 0 and word is not None:
        return Completions([])
    start = word.start if word is not None else offset
    end = word.end if word is not None else offset
    text_before = word.text[: word.text_index(offset)] if word is not None else ""
    argv_index = index - 1
    if argv_index == 0:
        items = [Completion("service-token", "service-token", start, end, "command", command.GROUP_SUMMARY)]
        if site.words[0].text.rsplit("/", 1)[-1] == command.PROGRAM:  # only this tool has the top-level commands
            items += [Completion(n, n, start, end, "command", c.summary) for n, c in command.TOP_LEVEL.items()]
        return Completions(items)
    if argv_index == 1 and site.argv[:1] == [command.GROUP]:
        return Completions(
            [Completion(name, name, start, end, "command", sub.summary) for name, sub in command.SUBCOMMANDS.items()]
        )
    parsed = command.parse(site.argv[:argv_index] if word is None else site.argv)
    sub = parsed.subcommand
    if sub is None:
        return Completions([])

    def map_in(w: Word, base: int) -> DocMapFn:
        return lambda i: w.doc_offset(base + i)

    previous = site.words[index - 1] if index - 1 >= 1 else None
    if previous is not None and previous.text.startswith("-") and "=" not in previous.text:
        flag = _flag_named(previous.text, sub)
        if flag is not None and flag.kind != "bool" and (previous.text.startswith("--") or len(previous.text) == 2):
            value = word.text if word is not None else ""
            cursor = len(text_before)
            if word is None:
                return Completions(*_value_items(flag, "", 0, snapshot, lambda i: offset))
            return Completions(*_value_items(flag, value, cursor, snapshot, map_in(word, 0)))
    if word is not None and text_before.startswith("--"):
        name, eq, _rest = word.text.partition("=")
        if eq and len(text_before) > len(name):
            flag = sub.flag(name[2:])
            if flag is None or flag.kind == "bool":
                return Completions([])
            base = len(name) + 1
            value = word.text[base:]
            return Completions(*_value_items(flag, value, len(text_before) - base, snapshot, map_in(word, base)))
        used = {o.flag.name for o in parsed.occurrences}
        return Completions(_flag_items(sub, used, start, end))
    if word is not None and text_before.startswith("-") and len(text_before) >= 2:
        flag = next((f for f in (*sub.flags, *command.GLOBAL_FLAGS) if f.short == text_before[1]), None)
        if flag is not None and flag.kind != "bool":
            base = 3 if word.text[2:3] == "=" else 2
            value = word.text[base:]
            return Completions(
                *_value_items(flag, value, max(0, len(text_before) - base), snapshot, map_in(word, base))
            )
        return Completions([])
    choices = _positional_choices(sub, parsed, argv_index, start, end)
    if choices and text_before != "-":  # a value must come here (``completion bash``): flags would only distract
        return Completions(choices)
    if word is None or text_before == "" or text_before == "-":
        used = {o.flag.name for o in parsed.occurrences}
        return Completions(_flag_items(sub, used, start, end))
    return Completions(choices)


def _positional_choices(
    sub: command.Subcommand, parsed: command.ParsedCommand, argv_index: int, start: int, end: int
) -> list[Completion]:
    """The choices of the positional argument at ``argv_index`` (``completion bash``), if it has any."""
    before = sum(1 for index, _text in parsed.positionals if index < argv_index)
    if before >= len(sub.positionals):
        return []
    positional = sub.positionals[before]
    return [Completion(c, c, start, end, "value", positional.help) for c in positional.choices]


def _flag_named(text: str, sub: command.Subcommand) -> command.Flag | None:
    if text.startswith("--"):
        return sub.flag(text[2:])
    if len(text) == 2:
        return next((f for f in (*sub.flags, *command.GLOBAL_FLAGS) if f.short == text[1]), None)
    return None


# ---------------------------------------------------------------------- hover


def _scope_hover(scope_value: scope.Scope, on_env: bool, snapshot: Snapshot, pairs: Sequence[reach.ScopePair]) -> str:
    """An environment's name, or what the path covers and how the token's reads are answered (``pairs``: every
    scope of the command, since one alone pins the token)."""
    if on_env:
        return _env_hover(scope_value, snapshot)
    covers = _path_hover(scope_value, snapshot, reach.pinned(pairs), alone=len(pairs) == 1)
    told = " ".join(reach.explain(pairs, snapshot.generation))
    return f"{covers}\n\nHow reads are answered, by {reach.server_name(snapshot.generation)}: {md_text(told)}"


def _env_hover(scope_value: scope.Scope, snapshot: Snapshot) -> str:
    env = scope_value.environment.strip()
    slug = f"**{md_text(env)}**"
    found = snapshot.environment(env)
    if found is not None and snapshot.online:
        return f"{slug}: environment *{md_text(found.name)}*"
    if snapshot.online:
        known = md_text(", ".join(snapshot.slugs) or "none")
        return f"{slug}: not an environment of this project (known: {known})"
    return f"{slug}: environment (offline: not checked)"


def _path_hover(scope_value: scope.Scope, snapshot: Snapshot, pin: reach.ScopePair | None, alone: bool) -> str:
    env = scope_value.environment.strip()
    slug = f"**{md_text(env)}**"
    problems = [p for p in scope.lint_scope(scope_value, alone) if p.severity == "error"]
    if problems and problems[0].code in ("scope-empty-path", "scope-no-leading-slash"):
        # what it reads depends on the generation and on whether it is alone: said below when known
        if snapshot.generation is None:
            return f"{md_code(scope_value.path)}: {md_text(problems[0].message)}"
        what = "An empty path" if scope_value.path == "" else f"{md_code(scope_value.path)} does not start with '/':"
        if pin is not None:
            return f"{what} it is the token's only scope."
        return f"{what} it matches no folder path as written (how reads are answered, below)."
    if problems:
        return f"{md_code(scope_value.path)} covers no folder: {md_text(problems[0].message)}"
    path = md_code(scope_value.server_path)
    if env not in snapshot.folders:
        why = "folder list unavailable" + ("" if snapshot.online else ": offline")
        return f"{path} in {slug} ({why})"
    covered = snapshot.covered(env, scope_value.server_path)
    complete = all(snapshot.knows_all(n) for n in needs_for_scope(env, scope_value.server_path))
    partial = "" if complete else f" (so far: {md_text(snapshot.note or 'the folder list is still loading')})"
    if not covered:
        return f"{path} covers no existing folder in {slug}{partial}."
    shown = "\n".join(f"- {md_code(f)}" for f in covered[:20])
    more = f"\n- ... and {len(covered) - 20} more" if len(covered) > 20 else ""
    return f"{path} covers {len(covered)} folder(s) in {slug}{partial}:\n{shown}{more}"


def _scope_pairs(parsed: command.ParsedCommand) -> list[reach.ScopePair]:
    """Every well-formed scope of the command, as ``(environment, path)``."""
    fields, _ = command.list_fields(parsed, "scope")
    found = (scope.parse_scope_field(f) for f in fields)
    return [(s.environment, s.path) for s in found if s is not None]


def hover(site: CommandSite, offset: int, snapshot: Snapshot) -> HoverInfo | None:
    index, word = _cursor_word(site, offset)
    if word is None or index < 3:
        return None
    parsed = command.parse(site.argv)
    sub = parsed.subcommand
    if sub is None:
        return None
    for occurrence in parsed.occurrences:
        if occurrence.word == index - 1 and occurrence.flag.name == "scope":
            cursor = word.text_index(offset) - occurrence.offset
            for f in split_csv_lenient(occurrence.value):
                if f.start <= cursor <= f.end:
                    parsed_scope = scope.parse_scope_field(f)
                    if parsed_scope is None:
                        return None
                    on_env = cursor <= parsed_scope.env_end
                    a, b = (
                        (parsed_scope.env_start, parsed_scope.env_end)
                        if on_env
                        else (parsed_scope.path_start, parsed_scope.path_end)
                    )
                    return HoverInfo(
                        _scope_hover(parsed_scope, on_env, snapshot, _scope_pairs(parsed)),
                        word.doc_offset(occurrence.offset + a),
                        word.doc_offset(occurrence.offset + b),
                    )
    flag_text = word.text.split("=", 1)[0]
    if flag_text.startswith("-"):
        flag = (
            _flag_named(flag_text, sub)
            if flag_text.startswith("--") or len(flag_text) == 2
            else _flag_named(flag_text[:2], sub)
        )
        if flag is not None:
            default = f"\n\nDefault: {md_code(str(flag.default))}" if flag.default not in (None, "") else ""
            text = f"{md_code(flag.label)}: {md_text(flag.help)}{default}"
            return HoverInfo(text, word.start, word.doc_offset(len(flag_text)))
    return None


# ---------------------------------------------------------------------- code actions


def actions(sites: Sequence[CommandSite], start: int, end: int) -> list[Action]:
    """The "Create service token" action (and the missing access level) on a create command in [start, end]."""
    result: list[Action] = []
    for site in sites:
        if not (site.start <= end and start <= site.limit) or not site.is_service_token:
            continue
        parsed, problems = command.check(site.argv)
        if parsed.subcommand is not command.CREATE:
            continue
        if not parsed.all("access-level"):
            result.append(
                Action(
                    "Add --access-level=read",
                    "quickfix",
                    Edit(site.end, site.end, " --access-level=read"),
                    "missing-access-level",
                    preferred=True,
                )
            )
        if not any(p.severity == "error" for p in problems):
            result.append(
                Action("Create service token", "create", create=CreateRequest(tuple(site.argv), site.start, site.end))
            )
    return result
