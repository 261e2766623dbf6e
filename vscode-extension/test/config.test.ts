import { describe, expect, it, vi } from "vitest";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { fromPythonExtension, resolveInterpreter, serverProcess, unrunnable } from "../src/common/python";
import { debounce, oneAtATime } from "../src/common/schedule";
import { DEFAULTS, RESTART_KEYS, initializationOptions, readSettings } from "../src/common/settings";
import { statusText } from "../src/common/status";
import { redact } from "../src/common/log";

describe("interpreter discovery", () => {
  it("prefers the setting", async () => {
    const found = await resolveInterpreter({ ...DEFAULTS, interpreter: ["/opt/py/bin/python", "-X", "utf8"] }, true, async () => ["/ext/python"]);
    expect(found).toEqual({ command: ["/opt/py/bin/python", "-X", "utf8"] });
  });
  it("then the Python extension's interpreter", async () => {
    expect(await resolveInterpreter(DEFAULTS, true, async () => ["/ext/python"])).toEqual({ command: ["/ext/python"] });
  });
  it("then python3, also when the Python extension fails", async () => {
    expect(await resolveInterpreter(DEFAULTS, true)).toEqual({ command: ["python3"] });
    expect(await resolveInterpreter(DEFAULTS, true, async () => { throw new Error("no api"); })).toEqual({ command: ["python3"] });
  });
  it("never runs anything in an untrusted workspace", async () => {
    let asked = false;
    const found = await resolveInterpreter({ ...DEFAULTS, interpreter: ["/evil/python"] }, false, async () => { asked = true; return ["/x"]; });
    expect(found).toHaveProperty("error");
    expect(asked).toBe(false);
  });
});

describe("settings passing", () => {
  it("reads and types the settings", () => {
    const values: Record<string, unknown> = { interpreter: ["py", 3], importStrategy: "fromEnvironment", apiUrl: " https://eu.infisical.com ", projectId: "", offline: true, diagnostics: false };
    expect(readSettings((k) => values[k])).toEqual({
      interpreter: ["py"], importStrategy: "fromEnvironment", apiUrl: "https://eu.infisical.com", projectId: null, offline: true, diagnostics: false,
    });
    expect(readSettings(() => undefined)).toEqual(DEFAULTS);
  });
  it("tells the server, dropping a workspace API URL when untrusted", () => {
    const s = { ...DEFAULTS, apiUrl: "https://self.hosted", projectId: "p", offline: true };
    expect(initializationOptions(s, true)).toEqual({ apiUrl: "https://self.hosted", projectId: "p", offline: true, diagnostics: true, clientHandlesTokens: true });
    expect(initializationOptions(s, false).apiUrl).toBeNull();
  });
  it("puts the bundled libraries first on PYTHONPATH only with useBundled", () => {
    const bundled = serverProcess(["python3"], DEFAULTS, "/ext/bundled/libs", { PYTHONPATH: "/mine", HOME: "/h", UNSET: undefined });
    expect(bundled).toEqual({ command: "python3", args: ["-m", "infisical_tokens.lsp"], env: { PYTHONPATH: "/ext/bundled/libs:/mine", HOME: "/h" } });
    const own = serverProcess(["/py", "-I"], { ...DEFAULTS, importStrategy: "fromEnvironment" }, "/ext/bundled/libs", {});
    expect(own).toEqual({ command: "/py", args: ["-I", "-m", "infisical_tokens.lsp"], env: {} });
  });
});

describe("common modules", () => {
  it("status shows project environment and online state from the typed answer", () => {
    expect(statusText({ projectId: "p", defaultEnvironment: "dev", branchMapping: {}, online: true, reason: null })).toEqual({ text: "Infisical: dev", detail: "project p" });
    expect(statusText({ projectId: null, defaultEnvironment: "", branchMapping: {}, online: false, reason: "not logged in" })).toEqual({ text: "Infisical: no project (offline)", detail: "not logged in" });
    expect(statusText(undefined).text).toBe("Infisical: not running");
    const limited = "rate-limited by the server; coverage from 14:02";
    expect(statusText({ projectId: "p", defaultEnvironment: "dev", branchMapping: {}, online: true, reason: limited })).toEqual({ text: "Infisical: dev (rate-limited)", detail: limited });
    // why it is off stays in view (a later refresh of the item must not replace it with "not running")
    expect(statusText(undefined, "This workspace is not trusted")).toEqual({ text: "Infisical: off", detail: "This workspace is not trusted" });
    expect(statusText({ projectId: "p", defaultEnvironment: "dev", branchMapping: {}, online: false, reason: "loading environments and folders" }).text).toBe("Infisical: dev (loading)");
  });
  it("restarts only for the keys that choose the server process", () => {
    expect([...RESTART_KEYS]).toEqual(["infisical.interpreter", "infisical.importStrategy"]);
  });
  it("the log never holds a token", () => {
    expect(redact("got st.0000aaaa-bb.0123456789abcdef0123.ff and eyJa.eyJb.sig")).toBe("got <redacted> and <redacted>");
  });
  it("reads the Python extension's typed API", async () => {
    const api = { environments: { getActiveEnvironmentPath: () => ({ path: "/venv" }), resolveEnvironment: async () => ({ executable: { uri: { fsPath: "/venv/bin/python" } } }) } };
    expect(await fromPythonExtension(api)).toEqual(["/venv/bin/python"]);
    expect(await fromPythonExtension(undefined)).toBeUndefined();
  });
  it("knows, before starting, an interpreter that cannot run (on the real file system)", () => {
    const dir = mkdtempSync(join(tmpdir(), "interp-"));
    writeFileSync(join(dir, "python3"), "#!/bin/sh\n");
    chmodSync(join(dir, "python3"), 0o755);
    writeFileSync(join(dir, "plain"), "");
    mkdirSync(join(dir, "folder"));
    chmodSync(join(dir, "folder"), 0o755);
    expect(unrunnable(join(dir, "python3"), {})).toBeUndefined();
    expect(unrunnable("python3", { PATH: `/nonexistent:${dir}` })).toBeUndefined();
    expect(unrunnable(join(dir, "missing"), {})).toMatch(/does not exist or is not executable/);
    expect(unrunnable(join(dir, "folder"), {})).toMatch(/not executable/);
    expect(unrunnable(join(dir, "plain"), {})).toMatch(/not executable/);
    expect(unrunnable("python3", { PATH: "/nonexistent" })).toBe("python3 is not on the PATH");
    expect(unrunnable("python3", {})).toBe("python3 is not on the PATH");
  });
});

describe("restarts", () => {
  it("come once after a burst of setting changes", () => {
    vi.useFakeTimers();
    let runs = 0;
    const soon = debounce(() => (runs += 1), 500);
    soon();
    vi.advanceTimersByTime(400);
    soon();
    vi.advanceTimersByTime(400);
    soon();
    expect(runs).toBe(0);
    vi.advanceTimersByTime(500);
    expect(runs).toBe(1);
    vi.useRealTimers();
  });
  it("never overlap, and calls made during one share a single next run", async () => {
    const log: string[] = [];
    let open = 0;
    const restart = oneAtATime(async () => {
      open += 1;
      log.push(`start ${open}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      open -= 1;
      log.push("end");
    });
    await Promise.all([restart(), restart(), restart(), restart()]);
    expect(log).toEqual(["start 1", "end", "start 1", "end"]); // never "start 2": no two at once
    await restart();
    expect(log).toHaveLength(6);
  });
  it("goes on after a run that failed", async () => {
    let calls = 0;
    const restart = oneAtATime(async () => {
      calls += 1;
      if (calls === 1) throw new Error("boom");
    });
    const first = restart();
    const second = restart();
    await expect(first).rejects.toThrow("boom");
    await second;
    expect(calls).toBe(2);
  });
});
