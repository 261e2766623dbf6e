"""The README's editor set-ups, as written, in the editors Debian ships: Neovim 0.7 (no plugin), vim with ALE and
Emacs 28 with eglot 1.9.

Each test copies its snippet out of the README, starts the real editor with it on a file whose scope has no
leading slash (a shell script; for eglot, whose snippet leaves shell scripts to their own server, a Makefile), and
reads back the diagnostic the editor received from ``infisical-lsp``. Skipped when the editor is not installed
(CI's Debian job installs ``neovim vim vim-ale emacs-nox elpa-eglot``).
"""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SCRIPT = "#!/bin/sh\ninfisical service-token create --scope=dev:backend --access-level=read\n"
COLUMN = SCRIPT.splitlines()[1].index("backend")  # where the bad path starts, counted from 0
ALE = Path("/usr/share/vim-ale")
# `emacs -Q` skips Debian's site start-up, which is what puts elpa-eglot's packages in reach; Emacs 29+ has eglot built in
EMACS_PACKAGES = (
    '(add-to-list (quote package-directory-list) "/usr/share/emacs/site-lisp/elpa")\n(package-initialize)\n'
)


def snippet(editor: str, language: str) -> str:
    found = re.search(rf"\*\*{re.escape(editor)}\*\*.*?```{language}\n(.*?)```", README, re.DOTALL)
    assert found, f"the README has no {language} block for {editor}"
    return textwrap.dedent(found.group(1))


def editor_env(home: Path, out: Path) -> dict[str, str]:
    """Only the installed infisical-lsp on the PATH, an empty home, no credentials (syntax checks need none)."""
    return {"PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin", "HOME": str(home), "OUT": str(out),
            "TERM": "xterm", "LANG": "C.UTF-8"}  # fmt: skip


def run_in_a_terminal(command: list[str], env: dict[str, str], cwd: Path, timeout: float = 60) -> None:
    """vim draws to a terminal and waits on it: give it a pseudo-terminal and drain what it draws."""
    primary, secondary = os.openpty()
    proc = subprocess.Popen(command, stdin=secondary, stdout=secondary, stderr=secondary, env=env, cwd=cwd)
    os.close(secondary)
    deadline = time.monotonic() + timeout
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if select.select([primary], [], [], 0.2)[0]:
                try:
                    os.read(primary, 65536)
                except OSError:
                    break
        proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(primary)


@pytest.mark.skipif(shutil.which("nvim") is None, reason="Neovim is not installed (apt-get install neovim)")
def test_neovim_07_snippet_shows_the_servers_diagnostic(tmp_path: Path) -> None:
    report = """
local timer, waited = vim.loop.new_timer(), 0
timer:start(100, 100, vim.schedule_wrap(function()
  waited = waited + 100
  local found = vim.diagnostic.get(0)
  if #found > 0 or waited > 30000 then
    timer:stop()
    local out = io.open(os.getenv("OUT"), "w")
    for _, d in ipairs(found) do
      local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or ""
      out:write(code, " ", d.lnum, " ", d.col, "\\n")
    end
    out:close()
    vim.cmd("qa!")
  end
end))
"""
    (tmp_path / "init.lua").write_text(snippet("Neovim 0.7 to 0.10", "lua") + report)
    (tmp_path / "deploy.sh").write_text(SCRIPT)
    out = tmp_path / "diagnostics.txt"
    command = ["nvim", "--headless", "-u", str(tmp_path / "init.lua"), "deploy.sh"]
    subprocess.run(command, env=editor_env(tmp_path, out), cwd=tmp_path, timeout=60, check=False)
    assert out.read_text().split() == ["scope-no-leading-slash", "1", str(COLUMN)]


@pytest.mark.skipif(shutil.which("vim") is None or not ALE.is_dir(), reason="needs vim and Debian's vim-ale")
def test_vim_ale_snippet_shows_the_servers_diagnostic(tmp_path: Path) -> None:
    after = tmp_path / "after" / "plugin"
    after.mkdir(parents=True)
    (after / "infisical.vim").write_text(snippet("vim with ALE", "vim"))
    (tmp_path / "vimrc").write_text(f"""set nocompatible
set runtimepath^={ALE}
set runtimepath+={tmp_path / "after"}
let g:ale_completion_enabled = 1
filetype plugin on
function! Report(timer) abort
  let l:items = ale#engine#GetLoclist(bufnr(''))
  if !empty(l:items) || a:timer == -1
    call writefile(map(copy(l:items), 'v:val.linter_name . " " . get(v:val, "code", "") . " " . v:val.lnum . " " . v:val.col'), $OUT)
    qall!
  endif
endfunction
call timer_start(200, 'Report', {{'repeat': -1}})
call timer_start(30000, {{-> Report(-1)}})
""")
    (tmp_path / "deploy.sh").write_text(SCRIPT)
    out = tmp_path / "diagnostics.txt"
    run_in_a_terminal(["vim", "-N", "-u", str(tmp_path / "vimrc"), "-i", "NONE", "deploy.sh"],
                      editor_env(tmp_path, out), tmp_path)  # fmt: skip
    assert out.read_text().split() == ["infisical", "scope-no-leading-slash", "2", str(COLUMN + 1)]


def emacs_has_eglot() -> bool:
    if shutil.which("emacs") is None:
        return False
    check = ["emacs", "--batch", "-Q", "--eval", f"(progn {EMACS_PACKAGES} (require (quote eglot)))"]
    return subprocess.run(check, capture_output=True, timeout=60, check=False).returncode == 0


def test_emacs_eglot_snippet_shows_the_servers_diagnostic(tmp_path: Path) -> None:
    if not emacs_has_eglot():
        pytest.skip("needs Emacs with eglot (apt-get install emacs-nox elpa-eglot, or Emacs 29+)")
    (tmp_path / "infisical.el").write_text(snippet("Emacs with eglot", "elisp"))
    # the snippet's modes include Makefiles (a shell script stays with bash-language-server); `M-x eglot`, since
    # batch mode runs no command loop for `eglot-ensure` to start from; flymake's diagnostics as `LINE COLUMN TEXT`
    report = """(load (expand-file-name "infisical.el") nil t)
(require 'eglot)
(find-file "Makefile")
(call-interactively #'eglot)
(let ((waited 0) found)
  (while (and (not found) (< waited 200))
    (accept-process-output nil 0.1)
    (setq waited (1+ waited) found (flymake-diagnostics)))
  (let ((lines (mapcar (lambda (d)
                         (save-excursion
                           (goto-char (flymake-diagnostic-beg d))
                           (format "%d %d %s\\n" (line-number-at-pos) (- (point) (line-beginning-position))
                                   (flymake-diagnostic-text d))))
                       found)))
    (with-temp-file (getenv "OUT") (apply #'insert lines))))
(kill-emacs 0)
"""
    (tmp_path / "init.el").write_text(EMACS_PACKAGES + report)
    (tmp_path / "Makefile").write_text("deploy:\n\t" + SCRIPT.splitlines()[1] + "\n")
    out = tmp_path / "diagnostics.txt"
    command = ["emacs", "--batch", "-Q", "-l", str(tmp_path / "init.el")]
    subprocess.run(command, env=editor_env(tmp_path, out), cwd=tmp_path, timeout=60, check=False, capture_output=True)
    line, column, text = out.read_text().split(" ", 2)
    assert (line, column) == ("2", str(COLUMN + 1))  # after the recipe's tab
    assert "[scope-no-leading-slash]" in text, text
