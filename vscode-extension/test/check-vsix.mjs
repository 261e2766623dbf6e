// The packaged .vsix holds the bundle and the bundled Python libraries, and no sources or node_modules; no file in
// it names the folder it was built in, or a placeholder address.
import { execFileSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const vsix = process.argv[2];
const listing = execFileSync("python3", ["-c", "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))", vsix], { encoding: "utf8" }).split("\n");
const has = (prefix) => listing.some((name) => name.startsWith(prefix));
const problems = [];
for (const wanted of ["extension/dist/extension.js", "extension/package.json", "extension/bundled/libs/infisical_tokens/lsp/server.py", "extension/bundled/libs/infisical_tokens/core/workflows.py",
  "extension/bundled/libs/pygls/", "extension/bundled/libs/lsprotocol/", "extension/bundled/libs/requests/"]) {
  if (!has(wanted)) problems.push(`missing ${wanted}`);
}
for (const unwanted of ["extension/src/", "extension/test/", "extension/node_modules/", "extension/tsconfig.json"]) {
  if (has(unwanted)) problems.push(`should not contain ${unwanted}`);
}
if (listing.some((name) => /__pycache__|\.pyc$/.test(name))) problems.push("contains Python bytecode");
if (listing.some((name) => /(^|\/)bin\/|direct_url\.json$/.test(name))) problems.push("contains console scripts or direct_url.json");
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const naming = (needle) =>
  execFileSync("python3", ["-c", "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nfor n in z.namelist():\n    if sys.argv[2].encode() in z.read(n): print(n)", vsix, needle], { encoding: "utf8" })
    .split("\n").filter(Boolean);
for (const needle of [root, "example.invalid"]) {
  for (const name of naming(needle)) problems.push(`${name} contains ${needle}`);
}
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`${vsix}: ${listing.length} entries, contents as expected`);
