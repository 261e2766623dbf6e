#!/usr/bin/env bash
# A real VS Code for the end-to-end suite: code-server (VS Code's workbench and extension host, from npm) and
# playwright-core, driven in Debian's Chromium. Installs into vscode-extension/e2e/.deps (ignored) and reuses it.
# Each step below works around something that fails otherwise on this machine kind (root, no network but the
# package registries): see the e2e README.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
deps="$here/.deps"
stamp="$deps/.installed-4.100.3"

if ! command -v chromium >/dev/null || ! command -v rg >/dev/null || ! pkg-config --exists krb5-gssapi 2>/dev/null; then
  # exit 3: cannot install them here (`make e2e` then skips the suite with this line, or fails it when CI=true)
  if ! command -v apt-get >/dev/null; then why="there is no apt-get (not Debian or Ubuntu)"
  elif [ "$(id -u)" != 0 ]; then why="apt-get needs root"; else why=""; fi
  if [ -n "$why" ]; then
    echo "the VS Code suite needs Debian's chromium, ripgrep and libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev" \
      "pkg-config, and $why to install them" >&2
    exit 3
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium ripgrep libkrb5-dev libx11-dev libxkbfile-dev \
    libsecret-1-dev pkg-config >/dev/null
fi
[ -f "$stamp" ] && exit 0

mkdir -p "$deps"
cd "$deps"
[ -f package.json ] || echo '{"name": "infisical-e2e-deps", "private": true, "version": "0.0.0"}' > package.json
# code-server 4.100 is the last line that runs on Node 20; its postinstall refuses root, so it is done by hand
npm install --ignore-scripts --no-audit --no-fund --loglevel=error code-server@4.100.3 playwright-core@1.65.1

export npm_config_nodedir=/usr npm_config_yes=true npm_config_unsafe_perm=true
cs="$deps/node_modules/code-server"
npm rebuild argon2 --loglevel=error >/dev/null  # hoisted to the top of .deps
cd "$cs/lib/vscode"
npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
npm rebuild kerberos node-pty @vscode/spdlog native-watchdog @parcel/watcher @vscode/deviceid --loglevel=error >/dev/null
mkdir -p node_modules/@vscode/ripgrep/bin
cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sfn code-linux.sh code-server)
(cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
(cd extensions && npm install --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
"$deps/node_modules/.bin/code-server" --version
touch "$stamp"
