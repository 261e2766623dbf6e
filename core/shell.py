"""Shell completion: the scripts ``infisical-tokens completion bash|zsh|fish`` prints, and the answers of the
hidden ``infisical-tokens __complete`` they call (cobra's design).

Answers come from the editor engine (:mod:`editor`), so the shell completes exactly what the editor and the
notebook do: commands, flags, choices, environment slugs and folder paths. The project's catalog gets a short
budget; past it, the answer comes from the per-user folder cache and the slugs ``.infisical.json`` names.

Protocol: one candidate a line (``value<TAB>description``), then a directive line: ``:nospace`` (a candidate
is a prefix of more, e.g. ``dev:`` or ``--scope=``), ``:files`` (a path argument: let the shell complete
files), or ``:default``.
"""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from . import command
from .editor.commands import complete as complete_site
from .editor.document import DocumentContext, document_context
from .lexer import lex
from .models import Environment
from .project import project_file_quietly
from .record import record
from .snapshot import Snapshot, offline_snapshot
from .snippets import find_commands

if TYPE_CHECKING:
    from .context import Context
    from .needs import Need

SHELLS = ("bash", "zsh", "fish")
BUDGET = 1.0  # seconds a completion may wait for the server before answering from the cache
_UNSAFE = re.compile(r"([^\w@%+=:,./-])")

BASH = r"""# bash completion for infisical-tokens: source <(infisical-tokens completion bash)
_infisical_tokens() {
    local out directive line
    local -a lines
    out=$(infisical-tokens __complete --bash "$COMP_WORDBREAKS" "${COMP_LINE:0:COMP_POINT}" 2>/dev/null) || return 0
    mapfile -t lines <<< "$out"
    directive=${lines[-1]}
    unset 'lines[-1]'
    COMPREPLY=()
    for line in "${lines[@]}"; do
        COMPREPLY+=("${line%%$'\t'*}")
    done
    case $directive in
        :files) compopt -o default; COMPREPLY=() ;;
        :nospace) compopt -o nospace ;;
    esac
}
complete -F _infisical_tokens infisical-tokens
"""

ZSH = r"""#compdef infisical-tokens
# zsh completion for infisical-tokens: source <(infisical-tokens completion zsh) after compinit
_infisical_tokens() {
    local out directive
    local -a lines values
    out=$(infisical-tokens __complete "${(@Q)words[2,CURRENT]}" 2>/dev/null) || return 1
    lines=("${(@f)out}")
    directive=${lines[-1]}
    lines=("${(@)lines[1,-2]}")
    if [[ $directive == :files ]]; then
        _files
        return
    fi
    values=("${(@)lines%%$'\t'*}")
    if [[ $directive == :nospace ]]; then
        compadd -S '' -- "${values[@]}"
    else
        compadd -- "${values[@]}"
    fi
}
compdef _infisical_tokens infisical-tokens
"""

FISH = r"""# fish completion for infisical-tokens: infisical-tokens completion fish | source
function __infisical_tokens_complete
    set -l words (commandline -opc)
    set -l out (infisical-tokens __complete $words[2..-1] (commandline -ct) 2>/dev/null)
    or return
    set -l directive $out[-1]
    set -e out[-1]
    if test "$directive" = ":files"
        __fish_complete_path (commandline -ct)
        return
    end
    test (count $out) -gt 0; and printf '%s\n' $out
end
complete -c infisical-tokens -f -a '(__infisical_tokens_complete)'
"""

SCRIPTS = {"bash": BASH, "zsh": ZSH, "fish": FISH}


@record
class Answer:
    values: list[tuple[str, str]]  # (the whole word, a description)
    directive: str  # ":nospace", ":files" or ":default"

    def text(self, wordbreaks: str | None = None, current: str = "") -> str:
        """The protocol's lines; ``wordbreaks``: bash's, which split the current word, so each value starts
        after the last of them (bash replaces only the text after it)."""
        cut = 0
        if wordbreaks is not None:
            cut = max((current.rfind(c) + 1 for c in wordbreaks), default=0)
        lines = [f"{value[cut:]}\t{about}".rstrip("\t") for value, about in self.values]
        return "\n".join([*lines, self.directive]) + "\n"


def words_of_line(line: str) -> list[str]:
    """The words after the program in a bash ``COMP_LINE`` (up to the cursor); the last is the one being typed."""
    commands = lex(line, max_commands=1)
    words = [w.text for w in commands[0].words] if commands else []
    ended = not line or line[-1] in " \t"
    if commands and commands[0].words and commands[0].words[-1].open_quote:
        ended = False
    return [*words[1:], ""] if ended else words[1:]


def _line(words: Sequence[str]) -> str:
    """A command line the lexer reads back into ``words`` (the last one unquoted up to its end)."""
    *done, current = words or [""]
    return " ".join([command.PROGRAM, *(shlex.quote(w) for w in done), _UNSAFE.sub(r"\\\1", current)])


def _expects_path(words: Sequence[str]) -> bool:
    """``check PATH...``: the word being typed is a file or folder, not a flag."""
    parsed = command.parse(list(words[:-1]))
    return parsed.subcommand is command.CHECK and not words[-1].startswith("-")


def answer(words: Sequence[str], doc: DocumentContext) -> tuple[Answer, tuple[Need, ...]]:
    """The candidates for the last of ``words`` (the words after the program), and the folder listings the
    snapshot lacked for a better answer."""
    words = list(words) or [""]
    text = _line(words)
    sites = find_commands(text, "shell")
    if not sites:
        return Answer([], ":default"), ()
    site = sites[0]
    result = complete_site(site, len(text), doc.snapshot)
    current = words[-1]
    word = site.words[-1] if current and site.words[-1].end == len(text) else None
    values: dict[str, str] = {}
    nospace = False
    for item in sorted(result.items, key=lambda i: i.sort_text or i.label):
        prefix = word.text[: word.text_index(item.start)] if word is not None else ""
        value = prefix + item.new_text
        if value.startswith(current) and value not in values:
            values[value] = item.documentation.split(". ")[0] or item.detail
            nospace = nospace or item.retrigger or value.endswith(("=", ":", "/"))
    directive = ":files" if _expects_path(words) else ":nospace" if nospace else ":default"
    return Answer(list(values.items()), directive), result.wants


def _cached_snapshot(project_id: str, slugs: Iterable[str], api_url: str | None, ctx: Context) -> Snapshot:
    """What this machine remembers of the project's folders (never the network), with the slugs the
    workspace names."""
    from . import folders

    offline = offline_snapshot(project_id, slugs, "offline")
    if api_url is None:
        return offline
    store = folders.FolderStore(api_url, project_id, folders.cache_dir())
    listed = store.listed()
    known = dict.fromkeys([*offline.slugs, *sorted({env for env, _parent in listed})])
    return Snapshot(
        project_id,
        tuple(Environment(s, s) for s in known),
        {s: tuple(store.paths(s)) for s in known},
        listed=listed,
        error="offline",
    )


def respond(words: Sequence[str], ctx: Context, budget: float = BUDGET) -> Answer:
    """Answer a shell: from the catalog when it loads within ``budget`` seconds, else from the cache."""
    from .connection import connect, open_catalog
    from .errors import InfisicalTokensError

    deadline = time.monotonic() + budget
    config = project_file_quietly(ctx.cwd)
    explicit = command.parse(list(words)).string("projectId") or ctx.project_id
    catalog, api_url = None, None
    try:
        connection = connect(ctx, config)
        api_url = connection.client.api_url
        catalog = open_catalog(connection, ctx)
    except InfisicalTokensError:
        pass

    def snapshots(project_id: str | None, slugs: Iterable[str], needs: Iterable[Need]) -> Snapshot:
        if project_id is None:
            return offline_snapshot(None, slugs, "no project")
        slugs = list(slugs)
        left = deadline - time.monotonic()
        if catalog is not None and left > 0:
            try:
                return catalog.wait(project_id, left, needs)
            except Exception:  # slow, refused or unreachable: what this machine remembers will do
                pass
        return _cached_snapshot(project_id, slugs, api_url, ctx)

    text = _line(list(words) or [""])
    doc = document_context(text, "shell", config, explicit_project=explicit, env=ctx.env, snapshots=snapshots)
    result, wants = answer(words, doc)
    if wants and doc.project_id is not None and deadline > time.monotonic():
        doc = DocumentContext(snapshots(doc.project_id, doc.snapshot.slugs, wants), doc.project_id, config)
        result, _wants = answer(words, doc)
    return result
