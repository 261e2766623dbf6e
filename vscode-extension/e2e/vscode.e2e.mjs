// The extension in a real VS Code (code-server) in headless Chromium, against the Python emulator.
// Run by `make e2e` after e2e/install.sh; screenshots of a failing scenario land in e2e/.screenshots (ignored).
// Each scenario asserts what a person sees (decorations, panel rows, notifications, the clipboard) and what
// happened behind it (the emulator's request log, the extension's output channel file, the process table).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, readdirSync, existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { createInterface } from "node:readline";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const require = createRequire(join(here, ".deps", "package.json"));
const { chromium } = require("playwright-core");
const codeServer = join(here, ".deps", "node_modules", ".bin", "code-server");
// the .vsix to install: E2E_VSIX (make release-check passes the one make dist built), else the one just packaged
const vsix = process.env.E2E_VSIX || join(here, "..", "dist", "infisical-tokens.vsix");
const python = process.env.E2E_PYTHON ?? join(root, ".venv", "bin", "python");
const shots = join(here, ".screenshots");

const BAD = "infisical service-token create --scope=dev:backend --access-level=read\n"; // no leading slash
const GOOD = "infisical service-token create --scope=dev:/backend/** --access-level=read\n";
// code-server's own port forwarding is off: its "Your application running on port N is available" toast, shown when
// any program on the machine opens a port, would be counted with the extension's notifications
const QUIET = {
  "remote.autoForwardPorts": false,
  "remote.forwardOnOpen": false,
  "remote.restoreForwardedPorts": false,
  "remote.otherPortsAttributes": { onAutoForward: "ignore" },
};
const SETTINGS = { ...QUIET, "security.workspace.trust.enabled": false, "workbench.startupEditor": "none", "infisical.interpreter": ["/usr/bin/python3"] };

let base, emulator, world, requestLog, browser;
let main; // the trusted window every scenario but the untrusted one uses: { server, url, userData, page }
let page; // main.page, or the page a scenario drives
const instances = [];

// ---------------------------------------------------------------------- waiting, the emulator, the process table

function until(what, check, timeout = 60_000) {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = async () => {
      try {
        const value = await check();
        if (value) return resolve(value);
      } catch {}
      if (Date.now() - started > timeout) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 200);
    };
    tick();
  });
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function requests() {
  return existsSync(requestLog)
    ? readFileSync(requestLog, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line))
    : [];
}

const posts = () => requests().filter((r) => r.method === "POST" && r.path.startsWith("/api/v2/service-token"));

let emulatorLines;
function lineReader(stream) {
  const buffered = [];
  const waiting = [];
  createInterface({ input: stream }).on("line", (line) => (waiting.length ? waiting.shift()(line) : buffered.push(line)));
  return () => (buffered.length ? Promise.resolve(buffered.shift()) : new Promise((resolve) => waiting.push(resolve)));
}

/** Take the emulator down (`stop`) or bring it back on the same port with the same data (`start`). */
async function emulatorControl(line) {
  emulator.stdin.write(`${line}\n`);
  assert.equal(await emulatorLines(), `ok ${line}`);
}

function processes() {
  const table = new Map();
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmd = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").join(" ").trim();
      table.set(Number(name), { ppid, cmd });
    } catch {} // gone meanwhile
  }
  return table;
}

/** Every process under a code-server instance (its extension hosts and what they started). */
function descendants(instance) {
  const table = processes();
  const found = [];
  const frontier = [instance.server.pid];
  while (frontier.length) {
    const parent = frontier.pop();
    for (const [pid, info] of table) {
      if (info.ppid !== parent) continue;
      frontier.push(pid);
      found.push({ pid, cmd: info.cmd });
    }
  }
  return found;
}

const languageServers = (instance) => descendants(instance).filter((p) => p.cmd.includes("infisical_tokens.lsp"));
const pythonsUnder = (instance) => descendants(instance).filter((p) => /(^|\/)python[\d.]*$/.test(p.cmd.split(" ")[0]));

/** The extension's output channel, as VS Code writes it under the user data folder. */
function outputLog(instance = main) {
  const found = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/Infisical\.log$/.test(name)) found.push(readFileSync(path, "utf8"));
    }
  };
  if (existsSync(join(instance.userData, "logs"))) walk(join(instance.userData, "logs"));
  return found.join("\n");
}

const starts = (instance = main) => outputLog(instance).split("\n").filter((l) => l.includes("Starting the language server"));

/** Every file under a folder whose text contains `needle` (logs, settings, storage, documents). */
function filesContaining(dir, needle) {
  const found = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const info = statSync(path, { throwIfNoEntry: false });
      if (!info) continue;
      if (info.isDirectory()) walk(path);
      else if (info.isFile() && info.size < 20_000_000 && readFileSync(path).includes(needle)) found.push(path);
    }
  };
  walk(dir);
  return found;
}

// ---------------------------------------------------------------------- code-server and the window

function writeSettings(instance, settings) {
  writeFileSync(join(instance.userData, "User", "settings.json"), JSON.stringify(settings, null, 2));
}

async function launch(name, settings) {
  const userData = join(base, name, "user-data");
  const extensions = join(base, name, "extensions");
  mkdirSync(join(userData, "User"), { recursive: true });
  const instance = { userData };
  writeSettings(instance, settings);
  execFileSync(codeServer, ["--extensions-dir", extensions, "--user-data-dir", userData, "--install-extension", vsix], { stdio: "ignore" });
  const port = 20000 + Math.floor(Math.random() * 20000);
  instance.server = spawn(
    codeServer,
    ["--auth", "none", "--bind-addr", `127.0.0.1:${port}`, "--disable-telemetry", "--disable-update-check",
     "--extensions-dir", extensions, "--user-data-dir", userData],
    {
      env: {
        ...process.env,
        INFISICAL_TOKEN: world.token,
        INFISICAL_DOMAIN: world.url,
        PYTHON_KEYRING_BACKEND: "keyring.backends.fail.Keyring",
        HOME: base,
      },
      stdio: "ignore",
    },
  );
  instances.push(instance);
  instance.url = `http://127.0.0.1:${port}`;
  await until(`code-server ${name}`, async () => (await fetch(`${instance.url}/healthz`)).ok);
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: instance.url });
  instance.page = await context.newPage();
  return instance;
}

/** A new window on `folder` (a new extension host: activation starts from nothing). */
async function openWindow(instance, folder, on = instance.page) {
  await on.goto(`${instance.url}/?folder=${encodeURIComponent(folder)}`);
  await on.locator(".monaco-workbench").waitFor({ timeout: 120_000 });
}

async function palette(command) {
  await page.keyboard.press("Control+Shift+P");
  await page.waitForSelector(".quick-input-widget:not([style*='display: none']) input");
  await page.keyboard.type(command);
  const row = page.locator(".quick-input-list .monaco-list-row", { hasText: command.replace(/^>\s*/, "") }).first();
  await row.waitFor({ timeout: 20_000 });
  await page.keyboard.press("Enter");
}

/** Quick Open a file by name, and wait until its tab is the active one (a list still filling can take Enter to a
 * stale row, so the focused row is checked first, and the whole is tried again when it went wrong). */
async function open(name, on = page) {
  const exact = new RegExp(`^${name.replace(/\./g, "\\.")}$`);
  await until(`${name} open`, async () => {
    await on.keyboard.press("Escape");
    await on.keyboard.press("Control+P");
    await on.waitForSelector(".quick-input-widget:not([style*='display: none']) input", { timeout: 3000 });
    await on.keyboard.type(name);
    await on.locator(".quick-input-list .monaco-list-row.focused .label-name", { hasText: exact }).waitFor({ timeout: 3000 });
    await on.keyboard.press("Enter");
    await on.locator(".tab.active", { hasText: name }).waitFor({ timeout: 3000 });
    return true;
  }, 30_000);
  await on.locator(".monaco-editor .view-lines").first().waitFor();
}

/** The cursor to a line and column, as a person does with Go to Line (Ctrl+G, "line:column"). */
async function cursorAt(line, column) {
  await page.keyboard.press("Control+G");
  await page.waitForSelector(".quick-input-widget:not([style*='display: none']) input");
  await page.keyboard.type(`${line}:${column}`);
  await page.keyboard.press("Enter");
}

/** The hover at a line and column, shown from the keyboard (Ctrl+K Ctrl+I), as its text. */
async function hoverAt(line, column, wanted) {
  await cursorAt(line, column);
  return until(`a hover with ${wanted}`, async () => {
    await page.keyboard.press("Control+K");
    await page.keyboard.press("Control+I");
    const hover = page.locator(".monaco-hover:not(.hidden)", { hasText: wanted }).first();
    await hover.waitFor({ timeout: 2000 });
    return hover.innerText();
  }, 30_000);
}

/** Change the user settings as a person does: in the settings.json editor, then save. */
async function saveUserSettings(settings) {
  await page.evaluate((text) => navigator.clipboard.writeText(text), JSON.stringify(settings, null, 2));
  if (!(await page.locator(".tab.active", { hasText: "settings.json" }).count())) {
    await palette("Preferences: Open User Settings (JSON)");
    await page.locator(".tab.active", { hasText: "settings.json" }).waitFor();
  }
  await page.locator(".editor-group-container.active .monaco-editor .view-lines").first().click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Control+V");
  await page.keyboard.press("Control+S");
}

async function editorText() {
  return (await page.locator(".editor-group-container.active .monaco-editor .view-lines").first().innerText()).replace(/\u00a0/g, " ");
}

/** The language status item's hover ({} in the status bar): the Infisical entry's text and detail. */
async function statusShown() {
  const item = page.locator("[id='status.languageStatus']");
  await item.hover();
  const hover = page.locator(".hover-language-status .element", { hasText: "Infisical" }).first();
  await hover.waitFor({ timeout: 10_000 });
  const text = await hover.innerText();
  await page.mouse.move(700, 400);
  await page.keyboard.press("Escape");
  return text;
}

async function notification(text) {
  const toast = page.locator(".notification-toast", { hasText: text }).first();
  await toast.waitFor({ timeout: 30_000 });
  return toast;
}

async function clearNotifications() {
  await page.keyboard.press("Escape");
  for (const close of await page.locator(".notification-toast .codicon-notifications-clear").all()) await close.click().catch(() => {});
}

async function pick(text, { check = false } = {}) {
  const row = page.locator(".quick-input-list .monaco-list-row", { hasText: text }).first();
  await row.waitFor({ timeout: 20_000 });
  await row.click(); // in a many-pick list a click toggles the row's checkbox
  if (check) await page.locator(".quick-input-widget", { hasText: "1 Selected" }).first().waitFor({ timeout: 10_000 });
}

async function shoot(name) {
  mkdirSync(shots, { recursive: true });
  await page?.screenshot({ path: join(shots, `${name}.png`) }).catch(() => {});
}

function scenario(name, body) {
  test(name, async () => {
    page = main.page;
    try {
      await body();
    } catch (err) {
      await shoot(name.replace(/\W+/g, "-"));
      throw err;
    } finally {
      await page.keyboard.press("Escape").catch(() => {});
    }
  });
}

// ---------------------------------------------------------------------- set-up

before(async () => {
  base = mkdtempSync(join(tmpdir(), "infisical-e2e-"));
  requestLog = join(base, "requests.jsonl");
  emulator = spawn(python, ["-m", "tests.emulator", "--log", requestLog], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
  emulatorLines = lineReader(emulator.stdout);
  world = JSON.parse(await emulatorLines());

  const work = join(base, "workspace");
  mkdirSync(work);
  writeFileSync(join(work, ".infisical.json"), JSON.stringify({ workspaceId: world.projectId, defaultEnvironment: "dev" }));
  writeFileSync(join(work, "deploy.sh"), BAD);
  writeFileSync(join(work, "fix.sh"), BAD);
  writeFileSync(join(work, "ci.sh"), GOOD);
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
  main = await launch("main", SETTINGS);
  await openWindow(main, work);
});

after(async () => {
  await browser?.close().catch(() => {});
  for (const instance of instances) instance.server?.kill();
  emulator?.stdin.end();
});

// ---------------------------------------------------------------------- scenarios

scenario("environments complete after --scope=, right after the window opens", async () => {
  await open("deploy.sh");
  await page.locator(".monaco-editor .view-lines").first().click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type("infisical service-token create --scope=");
  const labels = await until("dev, staging and prod offered", async () => {
    await page.keyboard.press("Escape");
    await page.keyboard.press("Control+Space");
    await page.waitForTimeout(500);
    const rows = await page.locator(".suggest-widget .monaco-list-row").allInnerTexts();
    return rows.some((r) => r.startsWith("dev")) && rows.some((r) => r.startsWith("prod")) ? rows : false;
  });
  assert.ok(labels.some((r) => r.startsWith("staging")));
  await page.keyboard.press("Escape");
});

scenario("a shell script gets diagnostics, a Problems row at the scope's range, and a hover", async () => {
  await open("deploy.sh");
  await until("an error squiggle", () => page.locator(".squiggly-error").count(), 90_000);
  await page.keyboard.press("Control+Shift+M");
  const row = page.locator(".markers-panel .monaco-list-row", { hasText: "does not start with '/'" }).first();
  await row.waitFor({ timeout: 30_000 });
  const shown = await row.innerText();
  assert.match(shown, /scope-no-leading-slash/);
  assert.match(shown, new RegExp(`\\[Ln 1, Col ${BAD.indexOf("backend") + 1}\\]`), shown); // where the path starts
  await page.keyboard.press("Control+Shift+M");

  await open("ci.sh");
  const column = (text) => GOOD.indexOf(text) + 2; // inside it
  assert.match(await hoverAt(1, column("dev:"), "Development"), /environment Development/);
  assert.match(await hoverAt(1, column("/backend/**"), "covers"), /\/backend\/\*\* covers \d+ folder/);
  // help text with <env-slug> in it: an editor renders Markdown, where that would be an HTML tag and vanish
  assert.match(await hoverAt(1, column("--scope"), "--scope"), /<env-slug>:<folder-path>/);
});

const LANGUAGE_FILES = {
  shellscript: ["run.sh", BAD],
  markdown: ["README.md", "Create a token:\n\n```sh\n" + BAD + "```\n"],
  makefile: ["Makefile", "token:\n\t" + BAD],
  yaml: [".github/workflows/ci.yml", "on: push\njobs:\n  token:\n    runs-on: ubuntu-latest\n    steps:\n      - run: " + BAD],
  dockerfile: ["Dockerfile", "FROM alpine\nRUN " + BAD],
  python: ["notebook.py", "!" + BAD],
  properties: [".env", "TOKEN=$(" + BAD.trim() + ")\n"],
  json: [".infisical.json", '{"workspaceId": 42, "defaultEnvironment": "dev"}\n'],
};

/** Files of the languages the extension activates on, from a workspace that does not use Infisical. */
const PLAIN_FILES = [
  ["package.json", '{"name": "plain", "scripts": {"start": "node index.js"}}\n'],
  [".github/workflows/ci.yml", "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n"],
  ["README.md", "# plain\n\nNothing about secrets here.\n"],
  ["app.py", "import os\nprint(os.environ.get('HOME'))\n"], // last: a notebook-style command is typed into it
];

scenario("the extension activates for each language it claims, and for .infisical.json, in a fresh window", async () => {
  // each in its own folder without a project, opened in a new window (a new extension host): the squiggle
  // can only come from an activation by that file's language
  const probe = await launch("languages", SETTINGS);
  page = probe.page;
  // first a workspace with files of those languages but no .infisical.json and no infisical command: no Python
  const plain = join(base, "plain");
  mkdirSync(join(plain, ".github", "workflows"), { recursive: true });
  for (const [file, text] of PLAIN_FILES) writeFileSync(join(plain, file), text);
  await openWindow(probe, plain);
  for (const [file] of PLAIN_FILES) await open(file.split("/").at(-1));
  await until("the extension says it waits", () => outputLog(probe).includes("starts once this workspace has an .infisical.json"), 60_000);
  await pause(3000);
  assert.deepEqual(pythonsUnder(probe), []);
  // an infisical command typed into one of them starts the server, which checks it
  await page.locator(".monaco-editor .view-lines").first().click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type("!" + BAD.trim());
  await until("a server once a command is there", () => languageServers(probe).length === 1, 60_000);
  await until("a squiggle from it", () => page.locator(".squiggly-error").count(), 60_000);
  await page.keyboard.press("Control+Z");
  for (const [language, [file, text]] of Object.entries(LANGUAGE_FILES)) {
    const folder = join(base, `lang-${language}`);
    mkdirSync(dirname(join(folder, file)), { recursive: true });
    writeFileSync(join(folder, file), text);
    await openWindow(probe, folder);
    await open(file.split("/").at(-1));
    await until(`a squiggle in ${file} (${language})`, () => page.locator(".squiggly-error").count(), 60_000);
  }
  probe.server.kill();
  await probe.page.context().close();
});

scenario("folder paths complete level by level", async () => {
  await open("ci.sh");
  await page.locator(".monaco-editor .view-lines").first().click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type("infisical service-token create --scope=dev:/");
  const offered = async (wanted) =>
    until(`${wanted} offered`, async () => {
      await page.keyboard.press("Escape");
      await page.keyboard.press("Control+Space");
      await page.waitForTimeout(400);
      const rows = await page.locator(".suggest-widget .monaco-list-row").allInnerTexts();
      return rows.some((r) => r.startsWith(wanted)) ? rows : false;
    });
  await offered("/backend/");
  await page.keyboard.press("Escape");
  await page.keyboard.type("backend/");
  const deeper = await offered("/backend/api/");
  assert.ok(deeper.some((r) => r.startsWith("/backend/worker")));
  await page.keyboard.press("Escape");
});

scenario("a quick fix from the light bulb adds the leading slash", async () => {
  await open("fix.sh");
  await page.locator(".squiggly-error").first().waitFor({ timeout: 60_000 });
  await cursorAt(1, BAD.indexOf("backend") + 1); // the cursor on the problem: the light bulb shows
  const bulb = page.locator(".lightBulbWidget").first();
  await bulb.waitFor({ timeout: 30_000 });
  const box = await bulb.boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  const fix = page.locator(".action-widget .monaco-list-row.focused", { hasText: "Add the leading /" });
  await until("the fix focused in the light bulb's menu", async () => (await fix.count()) || (await page.keyboard.press("ArrowDown"), false), 10_000);
  await page.keyboard.press("Enter");
  await until("the fixed scope in the editor", async () => (await editorText()).includes("--scope=dev:/backend "));
  await until("the squiggle gone", async () => (await page.locator(".squiggly-error").count()) === 0, 30_000);
});

scenario("Create Service Token through every picker: one POST, the token on the clipboard only", async () => {
  const before = posts().length;
  await palette("Infisical: Create Service Token");
  await pick("staging", { check: true });
  await page.keyboard.press("Enter");
  await pick("/backend/**");
  await page.locator(".quick-input-list .monaco-list-row", { hasText: "write" }).first().waitFor();
  await page.keyboard.press("Enter"); // read is picked already
  await pick("7 days");
  await page.locator(".quick-input-widget input").first().waitFor();
  await page.keyboard.press("Control+A");
  await page.keyboard.type("e2e-token");
  await page.keyboard.press("Enter");
  const toast = page.locator(".notifications-toasts", { hasText: "copied to the clipboard" }).first();
  await toast.waitFor({ timeout: 30_000 });
  const shown = await toast.innerText();
  const sent = posts().slice(before);
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0].body.scopes, [{ environment: "staging", secretPath: "/backend/**" }]);
  assert.deepEqual(sent[0].body.permissions, ["read"]);
  assert.equal(sent[0].body.expiresIn, 604800);
  assert.equal(sent[0].body.name, "e2e-token");
  const clipboard = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(clipboard, /^st\.[0-9a-f-]{36}\.[0-9a-f]{32}\.[0-9a-f]{32}$/);
  assert.ok(!shown.includes(clipboard) && shown.includes("…****"), shown);
  // the secret part of the token is in no log, setting, storage or document (the clipboard holds it)
  await pause(1500); // let VS Code flush its logs and state
  const secret = clipboard.split(".")[3];
  assert.deepEqual(filesContaining(main.userData, secret), []);
  assert.deepEqual(filesContaining(join(base, "workspace"), secret), []);
  await clearNotifications();
});

scenario("cancelling Create Service Token at each step sends nothing", async () => {
  const steps = [
    async () => {}, // the environments
    async () => { await pick("dev", { check: true }); await page.keyboard.press("Enter"); }, // the path
    async () => { await pick("/backend/**"); }, // the access
    async () => { await page.locator(".quick-input-list .monaco-list-row", { hasText: "write" }).first().waitFor(); await page.keyboard.press("Enter"); }, // the expiry
    async () => { await pick("1 day"); }, // the name
  ];
  const before = requests().filter((r) => r.method !== "GET").length;
  for (let step = 0; step < steps.length; step++) {
    await palette("Infisical: Create Service Token");
    for (const advance of steps.slice(0, step + 1)) await advance();
    await page.locator(".quick-input-widget:not([style*='display: none'])").waitFor();
    await page.keyboard.press("Escape");
    await until("the picker closed", async () => !(await page.locator(".quick-input-widget:not([style*='display: none'])").count()), 10_000);
  }
  await pause(1500);
  assert.equal(requests().filter((r) => r.method !== "GET").length, before);
  assert.equal(await page.locator(".notification-toast", { hasText: "copied to the clipboard" }).count(), 0);
});

scenario("the Create service token code action puts the token on the clipboard, not in the document", async () => {
  const before = posts().length;
  await open("ci.sh");
  const editor = page.locator(".monaco-editor .view-lines").first();
  const text = await editor.innerText();
  await editor.click();
  await page.keyboard.press("Control+Home");
  await page.keyboard.press("Control+.");
  const previous = await page.evaluate(() => navigator.clipboard.readText());
  await page.getByText("Create service token", { exact: true }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press("Enter"); // the light bulb's one action is focused
  const clipboard = await until("a new token on the clipboard", async () => {
    const now = await page.evaluate(() => navigator.clipboard.readText());
    return now !== previous && now.startsWith("st.") ? now : false;
  });
  assert.equal(posts().length, before + 1);
  assert.deepEqual(posts().at(-1).body.scopes, [{ environment: "dev", secretPath: "/backend/**" }]);
  assert.equal(await editor.innerText(), text); // the document did not change
  await clearNotifications();
});

scenario("the language status shows project, environment and online, and follows the server down and back", async () => {
  await open("ci.sh");
  const online = await until("the status online", async () => {
    const shown = await statusShown();
    return /Infisical: dev(?! \()/.test(shown) && shown.includes(world.projectId) ? shown : false;
  });
  assert.doesNotMatch(online, /offline/);
  await emulatorControl("stop");
  // nobody refreshes: a person goes on switching between files, and the item follows within seconds
  let turn = 0;
  const down = await until("the status offline", async () => {
    await open(turn++ % 2 ? "ci.sh" : "deploy.sh");
    const shown = await statusShown();
    return shown.includes("(offline)") ? shown : false;
  }, 30_000);
  assert.match(down, /connection refused|could not connect/i);
  await emulatorControl("start");
  // nobody asks: the server notices the emulator is back, and the item follows
  await until("the status online again", async () => !(await statusShown()).includes("offline"), 60_000);
});

scenario("Refresh Environments twice puts no traceback in the log", async () => {
  const before = requests().length;
  await palette("Infisical: Refresh Environments");
  await page.waitForTimeout(1500);
  await palette("Infisical: Refresh Environments");
  await until("two refreshes reach the server", () => requests().length >= before + 2, 30_000);
  await page.waitForTimeout(1500);
  const log = outputLog();
  assert.doesNotMatch(log, /Traceback|already registered/);
  assert.doesNotMatch(log, /Cancel notification|offline \(loading\)/); // noise a person cannot act on
  assert.doesNotMatch(log, new RegExp(world.token.slice(-20)));
});

scenario("Restart Server starts one new server process, and diagnostics come back", async () => {
  await open("deploy.sh");
  const old = await until("one server running", () => (languageServers(main).length === 1 && starts().length ? languageServers(main) : false));
  const started = starts().length;
  await palette("Infisical: Restart Server");
  const now = await until("a new server in place of the old", () => {
    const running = languageServers(main);
    return running.length === 1 && running[0].pid !== old[0].pid ? running : false;
  });
  await until("the start in the log", () => starts().length === started + 1, 10_000);
  assert.match(starts().at(-1), /: \/usr\/bin\/python3 -m infisical_tokens\.lsp$/); // the user's setting
  assert.equal(await page.locator(".notification-toast").count(), 0); // a restart asked for is not an error
  assert.doesNotMatch(outputLog(), /\[Error[^\]]*\] Server process exited with code 0/); // nor in the log
  await page.keyboard.type(" "); // an edit: the new server checks the document again
  await until("an error squiggle from the new server", () => page.locator(".squiggly-error").count(), 30_000);
  await page.keyboard.press("Control+Z");
  assert.equal(languageServers(main)[0].pid, now[0].pid);
});

scenario("Show Logs opens the Infisical output channel", async () => {
  await palette("Infisical: Show Logs");
  const panel = page.locator(".part.panel .monaco-editor .view-lines", { hasText: "Starting the language server" }).first();
  await panel.waitFor({ timeout: 20_000 });
  await page.keyboard.press("Control+J"); // close the panel again
});

scenario("a burst of interpreter setting changes restarts the server once", async () => {
  await open("ci.sh");
  await until("one server running", () => languageServers(main).length === 1 && starts().length > 0);
  await palette("Preferences: Open User Settings (JSON)");
  await page.locator(".tab.active", { hasText: "settings.json" }).waitFor();
  const started = starts().length;
  const saved = [];
  await saveUserSettings({ ...SETTINGS, "infisical.interpreter": ["python3", "-X", "utf8"] });
  saved.push(Date.now());
  for (const key of ["Control+Z", "Control+Shift+Z"]) { // back and forth, saved each time: three changes in a row
    await page.keyboard.press(key);
    await page.keyboard.press("Control+S");
    saved.push(Date.now());
  }
  assert.ok(saved.at(-1) - saved[0] < 500, `the saves took ${saved.at(-1) - saved[0]} ms: not a burst`);
  await until("the server on the last interpreter", () => languageServers(main).some((p) => p.cmd.startsWith("python3 -X utf8 -m")), 30_000);
  await pause(2000); // any further restart would show by now (the debounce is 500 ms)
  const since = starts().slice(started);
  assert.equal(since.length, 1, since.join("\n"));
  assert.match(since[0], /: python3 -X utf8 -m infisical_tokens\.lsp/);
  assert.equal(languageServers(main).length, 1);
});

/** A broken interpreter setting: one message with Show Logs and Restart, the reason in the status, no loop. */
async function brokenInterpreter(settings, said, logged) {
  await open("ci.sh");
  await until("one server running", () => languageServers(main).length === 1);
  await clearNotifications();
  const started = starts().length;
  await saveUserSettings({ ...SETTINGS, ...settings });
  const toast = await notification(said);
  assert.ok(await toast.locator(".monaco-button", { hasText: "Show Logs" }).count());
  assert.ok(await toast.locator(".monaco-button", { hasText: "Restart" }).count());
  await pause(3000); // a crash loop would start again and again within this, and say so again and again
  const attempts = starts().length - started;
  assert.ok(attempts <= 1, `${attempts} attempts to start`);
  assert.equal(languageServers(main).length, 0);
  const toasts = await page.locator(".notification-toast").allInnerTexts();
  assert.equal(toasts.length, 1, toasts.join("\n---\n")); // ours alone: the language client adds none
  await toast.locator(".monaco-button", { hasText: "Show Logs" }).click();
  await page.locator(".part.panel .monaco-editor .view-lines", { hasText: logged }).first().waitFor({ timeout: 20_000 });
  await page.keyboard.press("Control+J");
  await open("ci.sh");
  assert.match(await statusShown(), /Infisical: off/);
  await saveUserSettings(SETTINGS); // mended: the server comes back by itself
  await until("a server again", () => languageServers(main).length === 1, 30_000);
  assert.doesNotMatch(outputLog(), /Traceback/);
}

scenario("an interpreter that does not exist says so once, with Show Logs and Restart", async () => {
  await brokenInterpreter({ "infisical.interpreter": ["/nonexistent/python3"] }, "/nonexistent/python3 does not exist", "/nonexistent/python3");
});

scenario("an interpreter without infisical-tokens says so once, and is not restarted in a loop", async () => {
  // the system Python, told to use its own installation, where the server's package is not installed
  await brokenInterpreter(
    { "infisical.interpreter": ["/usr/bin/python3"], "infisical.importStrategy": "fromEnvironment" },
    "Is infisical-tokens installed for that Python?",
    "No module named",
  );
});

scenario("an untrusted workspace starts no Python and says why; trusting it starts the server", async () => {
  const untrusted = await launch("untrusted", {
    ...QUIET,
    "security.workspace.trust.enabled": true,
    "security.workspace.trust.startupPrompt": "never",
    "workbench.startupEditor": "none",
  });
  page = untrusted.page;
  await openWindow(untrusted, join(base, "workspace"));
  await open("deploy.sh");
  await until("the extension says why", () => outputLog(untrusted).includes("not trusted"), 60_000);
  const shown = await statusShown();
  assert.match(shown, /Infisical: off/);
  await pause(3000);
  assert.deepEqual(pythonsUnder(untrusted), []);
  assert.equal(await page.locator(".squiggly-error").count(), 0);
  // trusted now: the server starts without a reload, and checks the open script
  await palette("Workspaces: Manage Workspace Trust");
  await page.locator(".workspace-trust-editor .monaco-button", { hasText: /^Trust$/ }).first().click();
  await until("a server once trusted", () => languageServers(untrusted).length === 1, 30_000);
  await open("deploy.sh");
  await until("a squiggle once trusted", () => page.locator(".squiggly-error").count(), 30_000);
  untrusted.server.kill();
});

scenario("a workspace's infisical.apiUrl is ignored: the bearer goes only where the user's settings say", async () => {
  // a listener on loopback records every connection; a repository's .vscode/settings.json points the API there
  const seen = [];
  const recorder = createServer((socket) => { seen.push(Date.now()); socket.destroy(); });
  await new Promise((resolve) => recorder.listen(0, "127.0.0.1", resolve));
  const folder = join(base, "apiurl");
  mkdirSync(join(folder, ".vscode"), { recursive: true });
  writeFileSync(join(folder, ".vscode", "settings.json"), JSON.stringify({ "infisical.apiUrl": `http://127.0.0.1:${recorder.address().port}` }));
  writeFileSync(join(folder, ".infisical.json"), JSON.stringify({ workspaceId: world.projectId, defaultEnvironment: "dev" }));
  writeFileSync(join(folder, "ci.sh"), GOOD);
  const probe = await launch("apiurl", SETTINGS);
  page = probe.page;
  try {
    const before = requests().length;
    await openWindow(probe, folder);
    await open("ci.sh");
    await until("the status online, from the emulator", async () => {
      const shown = await statusShown();
      return shown.includes(world.projectId) && !shown.includes("offline") ? shown : false;
    }, 60_000);
    assert.ok(requests().length > before, "the emulator got the requests");
    await until("the log says the workspace's apiUrl was ignored", () => outputLog(probe).includes(`Ignored infisical.apiUrl in ${join(folder, ".vscode", "settings.json")}`), 10_000);
    await palette("Infisical: Refresh Environments"); // and again, after a refresh
    await pause(2000);
    assert.deepEqual(seen, [], "a request reached the workspace's apiUrl");
    assert.equal(outputLog(probe).split("Ignored infisical.apiUrl").length - 1, 1); // said once
  } finally {
    recorder.close();
    probe.server.kill();
    await probe.page.context().close();
  }
});

scenario("a multi-root workspace runs one server per folder, each with its folder's settings", async () => {
  const folders = { a: join(base, "multi-a"), b: join(base, "multi-b") };
  for (const [name, folder] of Object.entries(folders)) {
    mkdirSync(join(folder, ".vscode"), { recursive: true });
    writeFileSync(join(folder, ".infisical.json"), JSON.stringify({ workspaceId: world.projectId, defaultEnvironment: "dev" }));
    writeFileSync(join(folder, `${name}.sh`), BAD);
  }
  writeFileSync(join(folders.b, ".vscode", "settings.json"), JSON.stringify({ "infisical.diagnostics": false }));
  const file = join(base, "multi.code-workspace");
  writeFileSync(file, JSON.stringify({ folders: [{ path: folders.a }, { path: folders.b }] }));
  const probe = await launch("multi", SETTINGS);
  page = probe.page;
  try {
    await page.goto(`${probe.url}/?workspace=${encodeURIComponent(file)}`);
    await page.locator(".monaco-workbench").waitFor({ timeout: 120_000 });
    await open("a.sh");
    await until("a squiggle in a.sh", () => page.locator(".squiggly-error").count(), 90_000);
    await until("a server for each folder", () => languageServers(probe).length === 2, 30_000);
    await open("b.sh"); // the same mistake, in the folder whose settings turn diagnostics off
    await pause(5000);
    assert.equal(await page.locator(".squiggly-error").count(), 0);
    await open("a.sh");
    await until("a.sh still flagged", () => page.locator(".squiggly-error").count(), 30_000);
  } finally {
    probe.server.kill();
    await probe.page.context().close();
  }
});
