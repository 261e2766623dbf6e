// The extension in a real VS Code (code-server) in headless Chromium, against the Python emulator.
// Run by `make e2e` after e2e/install.sh; screenshots of a failing scenario land in e2e/.screenshots (ignored).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, readdirSync, existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const require = createRequire(join(here, ".deps", "package.json"));
const { chromium } = require("playwright-core");
const codeServer = join(here, ".deps", "node_modules", ".bin", "code-server");
const vsix = join(here, "..", "dist", "infisical-tokens.vsix");
const python = process.env.E2E_PYTHON ?? join(root, ".venv", "bin", "python");
const shots = join(here, ".screenshots");

let emulator, server, browser, page, world, work, requestLog, userData;

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

function requests() {
  return existsSync(requestLog)
    ? readFileSync(requestLog, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line))
    : [];
}

function outputLog() {
  // the extension's output channel, as VS Code writes it under the user data folder
  const found = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/Infisical\.log$/.test(name)) found.push(readFileSync(path, "utf8"));
    }
  };
  if (existsSync(join(userData, "logs"))) walk(join(userData, "logs"));
  return found.join("\n");
}

async function palette(command) {
  await page.keyboard.press("Control+Shift+P");
  await page.waitForSelector(".quick-input-widget:not([style*='display: none']) input");
  await page.keyboard.type(command);
  const row = page.locator(".quick-input-list .monaco-list-row", { hasText: command.replace(/^>\s*/, "") }).first();
  await row.waitFor({ timeout: 20_000 });
  await page.keyboard.press("Enter");
}

async function open(name) {
  await page.keyboard.press("Control+P");
  await page.waitForSelector(".quick-input-widget input");
  await page.keyboard.type(name);
  await page.locator(".quick-input-list .monaco-list-row", { hasText: name }).first().waitFor();
  await page.keyboard.press("Enter");
  await page.locator(".monaco-editor .view-lines").first().waitFor();
}

async function shoot(name) {
  mkdirSync(shots, { recursive: true });
  await page?.screenshot({ path: join(shots, `${name}.png`) }).catch(() => {});
}

async function scenario(name, body) {
  test(name, async () => {
    try {
      await body();
    } catch (err) {
      await shoot(name.replace(/\W+/g, "-"));
      throw err;
    }
  });
}

before(async () => {
  const base = mkdtempSync(join(tmpdir(), "infisical-e2e-"));
  requestLog = join(base, "requests.jsonl");
  emulator = spawn(python, ["-m", "tests.emulator", "--log", requestLog], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
  world = JSON.parse(await new Promise((resolve) => createInterface({ input: emulator.stdout }).once("line", resolve)));

  work = join(base, "workspace");
  mkdirSync(work);
  writeFileSync(join(work, ".infisical.json"), JSON.stringify({ workspaceId: world.projectId, defaultEnvironment: "dev" }));
  writeFileSync(join(work, "deploy.sh"), "infisical service-token create --scope=dev:backend --access-level=read\n");
  writeFileSync(join(work, "ci.sh"), "infisical service-token create --scope=dev:/backend/** --access-level=read\n");
  userData = join(base, "user-data");
  const extensions = join(base, "extensions");
  mkdirSync(join(userData, "User"), { recursive: true });
  writeFileSync(
    join(userData, "User", "settings.json"),
    JSON.stringify({ "security.workspace.trust.enabled": false, "workbench.startupEditor": "none", "infisical.interpreter": ["python3"] }),
  );
  execFileSync(codeServer, ["--extensions-dir", extensions, "--user-data-dir", userData, "--install-extension", vsix], { stdio: "ignore" });

  const port = 20000 + Math.floor(Math.random() * 20000);
  server = spawn(
    codeServer,
    ["--auth", "none", "--bind-addr", `127.0.0.1:${port}`, "--disable-telemetry", "--disable-update-check",
     "--extensions-dir", extensions, "--user-data-dir", userData, work],
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
  const url = `http://127.0.0.1:${port}`;
  await until("code-server", async () => (await fetch(`${url}/healthz`)).ok);
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: url });
  page = await context.newPage();
  await page.goto(`${url}/?folder=${encodeURIComponent(work)}`);
  await page.locator(".monaco-workbench").waitFor({ timeout: 120_000 });
});

after(async () => {
  await browser?.close().catch(() => {});
  server?.kill();
  emulator?.stdin.end();
});

scenario("a shell script gets diagnostics and a Problems row", async () => {
  await open("deploy.sh");
  await until("an error squiggle", () => page.locator(".squiggly-error").count(), 90_000);
  await page.keyboard.press("Control+Shift+M");
  const row = page.locator(".markers-panel .monaco-list-row", { hasText: "does not start with '/'" }).first();
  await row.waitFor({ timeout: 30_000 });
  assert.match(await row.innerText(), /scope-no-leading-slash|does not start with/);
});

scenario("environments complete after --scope=", async () => {
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

scenario("Refresh Environments twice puts no traceback in the log", async () => {
  const before = requests().length;
  await palette("Infisical: Refresh Environments");
  await page.waitForTimeout(1500);
  await palette("Infisical: Refresh Environments");
  await until("two refreshes reach the server", () => requests().length >= before + 2, 30_000);
  await page.waitForTimeout(1500);
  const log = outputLog();
  assert.doesNotMatch(log, /Traceback|already registered/);
  assert.doesNotMatch(log, new RegExp(world.token.slice(-20)));
});

async function pick(text, { check = false } = {}) {
  const row = page.locator(".quick-input-list .monaco-list-row", { hasText: text }).first();
  await row.waitFor({ timeout: 20_000 });
  await row.click(); // in a many-pick list a click toggles the row's checkbox
  if (check) await page.locator(".quick-input-widget", { hasText: "1 Selected" }).first().waitFor({ timeout: 10_000 });
}

scenario("Create Service Token through every picker: one POST, the token on the clipboard only", async () => {
  const posts = () => requests().filter((r) => r.method === "POST" && r.path.startsWith("/api/v2/service-token"));
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
  assert.ok(!outputLog().includes(clipboard.split(".")[2]));
});

scenario("the Create service token code action puts the token on the clipboard, not in the document", async () => {
  const posts = () => requests().filter((r) => r.method === "POST" && r.path.startsWith("/api/v2/service-token"));
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
  // (an earlier scenario's toast may still be up: wait for what this action does, not for a toast)
  const clipboard = await until("a new token on the clipboard", async () => {
    const now = await page.evaluate(() => navigator.clipboard.readText());
    return now !== previous && now.startsWith("st.") ? now : false;
  });
  assert.equal(posts().length, before + 1);
  assert.deepEqual(posts().at(-1).body.scopes, [{ environment: "dev", secretPath: "/backend/**" }]);
  assert.equal(await editor.innerText(), text); // the document did not change
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
