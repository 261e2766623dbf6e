// Package the VS Code extension with its links from the project's one public home ([tool.infisical-tokens] home in
// pyproject.toml, the same setting setup.py turns into the registry links). repository, homepage and bugs are written
// into a copy of package.json in a staging folder, never into the source; while the home is unset they are left out
// and vsce is told to allow the missing repository (`make release-check` names the unset home).
// Usage: node scripts/package_vsix.mjs OUT.vsix [PYPROJECT]   (run from vscode-extension/, as `npm run package` does)
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const extension = join(root, "vscode-extension");

/** The home in pyproject.toml's [tool.infisical-tokens] table, "" while unset. */
function publicHome(pyproject) {
  const table = /^\[tool\.infisical-tokens\][ \t]*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(pyproject);
  const home = table && /^home\s*=\s*"([^"]*)"/m.exec(table[1]);
  return home ? home[1].trim().replace(/\/+$/, "") : "";
}

/** The manifest links a home gives (none without one): the pages every forge keeps under it. */
function homeLinks(home) {
  return home ? { repository: { type: "git", url: home }, homepage: home, bugs: { url: `${home}/issues` } } : {};
}

const [out, pyprojectPath = join(root, "pyproject.toml")] = process.argv.slice(2);
if (!out) {
  console.error("usage: node scripts/package_vsix.mjs OUT.vsix [PYPROJECT]");
  process.exit(2);
}
const home = publicHome(readFileSync(pyprojectPath, "utf8"));
const stage = mkdtempSync(join(tmpdir(), "infisical-vsix-"));
try {
  const skipped = new Set(["node_modules", "e2e"]); // both excluded from the .vsix; e2e/.deps holds a browser
  cpSync(extension, stage, {
    recursive: true,
    filter: (from) => !(from !== extension && skipped.has(basename(from)) && dirname(from) === extension) && !from.endsWith(".vsix"),
  });
  const manifest = JSON.parse(readFileSync(join(extension, "package.json"), "utf8"));
  writeFileSync(join(stage, "package.json"), `${JSON.stringify({ ...manifest, ...homeLinks(home) }, null, 2)}\n`);
  const vsce = join(extension, "node_modules", "@vscode", "vsce", "vsce");
  const args = [vsce, "package", "--no-dependencies", "--out", resolve(out), ...(home ? [] : ["--allow-missing-repository"])];
  const done = spawnSync(process.execPath, args, { cwd: stage, stdio: "inherit" });
  process.exitCode = done.status ?? 1;
} finally {
  rmSync(stage, { recursive: true, force: true });
}
