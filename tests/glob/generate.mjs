// Generates corpus.json: (path, glob, expected) cases answered by real picomatch with the
// server's options. Deterministic (seeded), so a re-run with the same picomatch gives the same file.
// Usage: npm ci && node generate.mjs > corpus.json
import picomatch from "picomatch";
import { ask, OPTIONS } from "./oracle.mjs";

let seed = 20261127;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

// Globs people write for scopes, and the server quirks the README documents.
const HAND = [
  "/", "/**", "/*", "**", "*", "/backend", "/backend/", "/backend/**", "/backend/*", "/backend/**/*",
  "/**/deep", "/**/api", "/backend/**/api", "backend", "backend/**", "/[a", "/{a,b}", "/!(b)", "/a/**/b",
  "/{backend,frontend}/**", "/back*", "/*end", "/?", "/??", "/a?c", "/[abc]", "/[a-c]/**", "/[!a]", "/[^a]",
  "/@(a|b)", "/+(a)", "/*(a)", "/?(a)", "/!(a|b)/**", "!/a", "!/a/**", "!!/a", "/a/!(b)/c", "/**/", "//",
  "/a//b", "/a/../b", "/./a", "./a", "/.a", "/.*", "/*.*", "/*.js", "/**/*.yml", "/a b", "/a\\*b", "/\\[a\\]",
  "/{1..3}", "/{a..c}", "/[[:alpha:]]", "/[[:digit:]]*", "/A", "/a/", "/a/*/", "/**/**", "/***", "*/*",
  "**/*", "**/.*", ".*", "*.*", "/(a|b)", "/a|b", "/a+", "/a{2}", "/$a", "/^a", "/\"a\"", "/a,b", "/{a}",
  "/{a,}", "/{,a}", "/[]", "/[]a]", "/a[", "/a]", "/a)", "/(a", "/a}", "/{a", "/!(*.d).ts", "/**/!(b)",
  "/a/**/", "/**/a/**", "/a/**/**/b", "/a/*/**", "/*/**/*", "/[a-]", "/[-a]", "/\\a", "/a\\", "/a/\\/b",
];

const SEGMENTS = [
  "a", "b", "c", "backend", "api", "A", "*", "**", "?", "a*", "*a", "a?", "[ab]", "[!a]", "[^a]", "[a-c]",
  "{a,b}", "{a,b}*", "{a,}", "@(a|b)", "!(a)", "+(a)", "*(a)", "?(a)", ".a", "a.b", "*.b", "[[:alpha:]]",
  "{1..3}", "\\*", "(a|b)", "x{a,b}y", "a-b", "a_b", "!(a|b)", "**(a)", "a**", "**a", "[a", "a]", "{a",
  "a}", "(a", "a)", "[]", "\"a\"", "a b", "$", "^a", "a+", "+", "@", "!", "#a", "a,b", "..", ".",
];

const ALPHABET = "/ab.-_*?[]{},()|!@+^$\\\" :A";

function templateGlob() {
  const n = int(1, 4);
  const parts = [];
  for (let i = 0; i < n; i++) parts.push(pick(SEGMENTS));
  let glob = parts.join("/");
  const lead = rand();
  if (lead < 0.8) glob = "/" + glob;
  else if (lead < 0.85) glob = "!/" + glob;
  else if (lead < 0.9) glob = "./" + glob;
  if (rand() < 0.15) glob += "/";
  if (rand() < 0.05) glob = glob.replace("/", "//");
  return glob;
}

function randomGlob() {
  const n = int(1, 10);
  let glob = rand() < 0.7 ? "/" : "";
  for (let i = 0; i < n; i++) glob += pick(ALPHABET);
  return glob;
}

const PATH_SEGMENTS = ["a", "b", "c", "backend", "api", "A", ".a", "x", "deep", "a.b", "ab", "aa", "1", "2",
  "b.b", "a-b", "a_b", "xay", "xby", "*", "[a", "a b", "(a", "{a}", "$", "!a", "a+", "#a", "a,b", "..", "."];

function randomPath() {
  const depth = int(0, 4);
  const segs = [];
  for (let i = 0; i < depth; i++) segs.push(pick(PATH_SEGMENTS));
  let path = "/" + segs.join("/");
  const r = rand();
  if (r < 0.05) path = path.slice(1);
  else if (r < 0.1 && path !== "/") path += "/";
  else if (r < 0.12) path = path.replace("/", "//");
  return path;
}

// Paths shaped like the glob: wildcards replaced by plausible names, so matches are common.
function derivedPaths(glob) {
  const out = new Set([glob]);
  const fill = (g) =>
    g.replace(/\*\*/g, () => pick(["a", "a/b", "x/y/z", ""]))
      .replace(/[*?]/g, () => pick(["a", "b", "ab", ""]))
      .replace(/\[[^\]]*\]/g, () => pick(["a", "b", "c"]))
      .replace(/\{([^}]*)\}/g, (_, body) => pick(body.split(",")))
      .replace(/[@!+]\(([^)]*)\)/g, (_, body) => pick(body.split("|")))
      .replace(/^!/, "").replace(/^\.\//, "/");
  for (let i = 0; i < 4; i++) out.add(fill(glob));
  return [...out].filter((p) => p !== "");
}

const globs = new Set(HAND);
while (globs.size < 450) globs.add(templateGlob());
while (globs.size < 650) globs.add(randomGlob());

const corpus = [];
let cases = 0;
for (const glob of globs) {
  const paths = new Set(derivedPaths(glob));
  while (paths.size < 12) paths.add(randomPath());
  const entry = { glob, cases: [] };
  for (const path of paths) {
    const answer = ask(glob, path);
    if (answer.throws) {
      entry.throws = answer.throws;
      break;
    }
    entry.output = answer.output;
    entry.negated = answer.negated;
    entry.valid = answer.valid;
    entry.cases.push([path, answer.match]);
  }
  cases += entry.cases.length;
  corpus.push(entry);
}

process.stdout.write(
  JSON.stringify(
    {
      generator: "tests/glob/generate.mjs",
      picomatch: JSON.parse(await import("node:fs").then((fs) => fs.readFileSync(new URL("./node_modules/picomatch/package.json", import.meta.url), "utf8"))).version,
      options: OPTIONS,
      cases,
      globs: corpus,
    },
    null,
    0,
  ).replace(/\{"glob"/g, '\n{"glob"') + "\n",
);
void picomatch;
