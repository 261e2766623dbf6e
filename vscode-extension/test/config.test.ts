import { describe, expect, it, vi } from "vitest";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import * as path from "path";
import { type Platform, checkVersion, fromPythonExtension, locate, resolveInterpreter, serverProcess, shown, unrunnable, versionProblem } from "../src/common/python";
import { debounce, oneAtATime } from "../src/common/schedule";
import { DEFAULTS, RESTART_KEYS, folderSettings, initializationOptions, readSettings, userOnlyIn } from "../src/common/settings";
import { statusText } from "../src/common/status";
import { mentionsCommand } from "../src/common/wanted";
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
    expect(await resolveInterpreter(DEFAULTS, true, undefined, {}, linux([]))).toEqual({ command: ["python3"] });
    expect(await resolveInterpreter(DEFAULTS, true, async () => { throw new Error("no api"); }, {}, linux([]))).toEqual({ command: ["python3"] });
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
  it("takes infisical.apiUrl from the user settings only: a repository never chooses where credentials go", () => {
    const user = { apiUrl: "https://eu.infisical.com", projectId: "mine" };
    const repository = { apiUrl: "http://127.0.0.1:9/steal", projectId: "theirs" };
    const config = (workspace: Record<string, unknown>, folder: Record<string, unknown> = {}) => ({
      get: (key: string) => folder[key] ?? workspace[key] ?? (user as Record<string, unknown>)[key],
      inspect: (key: string) => ({ globalValue: (user as Record<string, unknown>)[key], workspaceValue: workspace[key], workspaceFolderValue: folder[key] }),
    });
    const fromWorkspace = folderSettings(config(repository));
    expect(fromWorkspace.settings.apiUrl).toBe("https://eu.infisical.com");
    expect(fromWorkspace.settings.projectId).toBe("theirs"); // the others are per folder, as VS Code merges them
    expect(fromWorkspace.ignored).toEqual(["infisical.apiUrl in the workspace settings"]);
    const fromFolder = folderSettings(config({}, { apiUrl: "http://127.0.0.1:9/" }));
    expect(fromFolder.settings.apiUrl).toBe("https://eu.infisical.com");
    expect(fromFolder.ignored).toEqual(["infisical.apiUrl in the folder settings"]);
    // with no user value, the repository's is not used either: the server goes where the person logged in
    const none = folderSettings({ get: (key) => (repository as Record<string, unknown>)[key], inspect: (key) => ({ workspaceValue: (repository as Record<string, unknown>)[key] }) });
    expect(none.settings.apiUrl).toBeNull();
    expect(folderSettings(config({})).ignored).toEqual([]);
  });
  it("finds the user-only settings a repository's settings file tries to set", () => {
    expect(userOnlyIn('{ "infisical.apiUrl" : "http://x", "infisical.offline": true }')).toEqual(["infisical.apiUrl"]);
    expect(userOnlyIn('{ "settings": {\n"infisical.apiUrl":"http://x"} }')).toEqual(["infisical.apiUrl"]); // a .code-workspace
    expect(userOnlyIn('{ "infisical.apiUrlX": 1, "infisical.projectId": "p" }')).toEqual([]);
    expect(userOnlyIn("")).toEqual([]);
  });
  it("puts the bundled libraries first on PYTHONPATH only with useBundled", () => {
    const bundled = serverProcess(["python3"], DEFAULTS, "/ext/bundled/libs", { PYTHONPATH: "/mine", HOME: "/h", UNSET: undefined });
    expect(bundled).toEqual({ command: "python3", args: ["-m", "infisical_tokens.lsp"], env: { PYTHONPATH: "/ext/bundled/libs:/mine", HOME: "/h" } });
    const own = serverProcess(["/py", "-I"], { ...DEFAULTS, importStrategy: "fromEnvironment" }, "/ext/bundled/libs", {});
    expect(own).toEqual({ command: "/py", args: ["-I", "-m", "infisical_tokens.lsp"], env: {} });
  });
});

/** A platform with the given runnable files (the suite runs on Linux only: the others are injected). */
const platform = (os: NodeJS.Platform, p: path.PlatformPath, files: string[]): Platform => ({ os, path: p, runnable: (file) => files.includes(file) });
const linux = (files: string[]) => platform("linux", path.posix, files);
const darwin = (files: string[]) => platform("darwin", path.posix, files);
// Windows file names are case-insensitive: PATHEXT's ".EXE" finds "python3.exe"
const windows = (files: string[]): Platform => ({ os: "win32", path: path.win32, runnable: (file) => files.some((f) => f.toLowerCase() === file.toLowerCase()) });

describe("platforms", () => {
  const PATHEXT = ".COM;.EXE;.BAT;.CMD";
  it("finds python3.exe and py.exe on a Windows Path, through PATHEXT, whatever the variables' case", () => {
    const win = windows(["C:\\Python312\\python3.exe", "C:\\Windows\\py.exe"]);
    const env = { Path: "C:\\Windows\\System32;C:\\Windows;C:\\Python312", PathExt: PATHEXT };
    expect(locate("python3", env, win)?.toLowerCase()).toBe("c:\\python312\\python3.exe");
    expect(locate("py", env, win)?.toLowerCase()).toBe("c:\\windows\\py.exe");
    expect(unrunnable("python3.exe", env, win)).toBeUndefined();
    expect(unrunnable("python3", { ...env, PathExt: ".COM;.BAT" }, win)).toBe("python3 is not on the PATH");
    expect(unrunnable("python3", { Path: "C:\\Python312" }, win)).toBeUndefined(); // no PATHEXT: Windows' default
  });
  it("takes C:/…/python.exe, C:\\…\\python and a relative .\\venv path for paths on Windows", () => {
    const win = windows(["C:\\Program Files\\Python312\\python.exe", "C:/Program Files/Python312/python.exe", ".\\venv\\Scripts\\python.exe"]);
    const env = { PATH: "", PATHEXT };
    expect(unrunnable("C:/Program Files/Python312/python.exe", env, win)).toBeUndefined();
    expect(unrunnable("C:\\Program Files\\Python312\\python", env, win)).toBeUndefined();
    expect(unrunnable(".\\venv\\Scripts\\python", env, win)).toBeUndefined();
    expect(unrunnable("C:/Python39/python.exe", env, win)).toBe("C:/Python39/python.exe does not exist or is not executable");
    // on Linux a backslash is a character of a name, not a separator
    expect(unrunnable("venv\\python", { PATH: "/usr/bin" }, linux([]))).toBe("venv\\python is not on the PATH");
  });
  it("falls back to py -3, then python, on Windows; python3 on Linux and macOS", async () => {
    const env = { Path: "C:\\Windows;C:\\Python312", PATHEXT };
    expect(await resolveInterpreter(DEFAULTS, true, undefined, env, windows(["C:\\Windows\\py.exe"]))).toEqual({ command: ["py", "-3"] });
    expect(await resolveInterpreter(DEFAULTS, true, undefined, env, windows(["C:\\Python312\\python.exe"]))).toEqual({ command: ["python"] });
    // neither: the first, so that the message names what a Windows user is expected to have
    expect(await resolveInterpreter(DEFAULTS, true, undefined, env, windows([]))).toEqual({ command: ["py", "-3"] });
    const mac = darwin(["/opt/homebrew/bin/python3"]);
    expect(await resolveInterpreter(DEFAULTS, true, undefined, { PATH: "/usr/bin:/opt/homebrew/bin" }, mac)).toEqual({ command: ["python3"] });
    expect(locate("python3", { PATH: "/usr/bin:/opt/homebrew/bin" }, mac)).toBe("/opt/homebrew/bin/python3");
    const framework = "/Library/Frameworks/Python.framework/Versions/3.12/bin/python3";
    expect(unrunnable(framework, {}, darwin([framework]))).toBeUndefined();
    expect(await resolveInterpreter(DEFAULTS, true, async () => [framework], {}, mac)).toEqual({ command: [framework] });
  });
  it("joins PYTHONPATH with the platform's delimiter", () => {
    const onWindows = serverProcess(["py", "-3"], DEFAULTS, "C:\\ext\\bundled\\libs", { PYTHONPATH: "D:\\mine" }, path.win32.delimiter);
    expect(onWindows.env.PYTHONPATH).toBe("C:\\ext\\bundled\\libs;D:\\mine");
    expect(serverProcess(["python3"], DEFAULTS, "/ext/libs", { PYTHONPATH: "/mine" }, path.posix.delimiter).env.PYTHONPATH).toBe("/ext/libs:/mine");
  });
  it("shows a command with spaces as that platform's shell would take it", () => {
    expect(shown(["C:\\Program Files\\Python312\\python.exe", "-m", "infisical_tokens.lsp"], windows([]))).toBe('"C:\\Program Files\\Python312\\python.exe" -m infisical_tokens.lsp');
    expect(shown(["/Users/a b/.venv/bin/python", "-X", "utf8"], darwin([]))).toBe("'/Users/a b/.venv/bin/python' -X utf8");
    expect(shown(["/it's/python"], linux([]))).toBe("'/it'\\''s/python'");
  });
});

describe("per folder, and what cannot run", () => {
  it("asks the Python extension for the folder's interpreter (multi-root: each folder has its own)", async () => {
    const asked: unknown[] = [];
    const api = {
      environments: {
        getActiveEnvironmentPath: (resource?: unknown) => { asked.push(resource); return { path: `/envs/${String(resource)}` }; },
        resolveEnvironment: async (env: { path: string } | string) => ({ executable: { uri: { fsPath: `${typeof env === "string" ? env : env.path}/bin/python` } } }),
      },
    };
    expect(await fromPythonExtension(api, "file:///b")).toEqual(["/envs/file:///b/bin/python"]);
    expect(asked).toEqual(["file:///b"]);
  });
  it("takes a relative interpreter setting from the workspace folder, not VS Code's own working folder", async () => {
    const relative = { ...DEFAULTS, interpreter: [".venv/bin/python", "-X", "utf8"] };
    expect(await resolveInterpreter(relative, true, undefined, {}, linux([]), "/w/app")).toEqual({ command: ["/w/app/.venv/bin/python", "-X", "utf8"] });
    const win = { ...DEFAULTS, interpreter: [".venv\\Scripts\\python.exe"] };
    expect(await resolveInterpreter(win, true, undefined, {}, windows([]), "C:\\w\\app")).toEqual({ command: ["C:\\w\\app\\.venv\\Scripts\\python.exe"] });
    // a name looked up on the PATH, and an absolute path, are left alone
    for (const interpreter of [["python3.12"], ["/opt/py/bin/python"]]) {
      expect(await resolveInterpreter({ ...DEFAULTS, interpreter }, true, undefined, {}, linux([]), "/w/app")).toEqual({ command: interpreter });
    }
  });
  it("never takes a .bat or .cmd shim on Windows (node cannot spawn one without a shell), and says why", () => {
    const env = { Path: "C:\\shims;C:\\Python312", PATHEXT: ".BAT;.CMD;.COM;.EXE" };
    const both = windows(["C:\\shims\\python3.bat", "C:\\Python312\\python3.exe"]);
    expect(locate("python3", env, both)?.toLowerCase()).toBe("c:\\python312\\python3.exe");
    const onlyShim = windows(["C:\\shims\\python3.cmd"]);
    expect(locate("python3", env, onlyShim)).toBeUndefined();
    expect(unrunnable("python3", env, onlyShim)).toMatch(/python3 is only the batch file C:\\shims\\python3\.CMD, which cannot be started without a shell/i);
    expect(unrunnable("C:\\tools\\python.bat", env, windows(["C:\\tools\\python.bat"]))).toMatch(/batch file/);
    // .com and .exe in PATHEXT's order; on Linux a file called x.bat is an ordinary program
    expect(locate("py", { Path: "C:\\W", PATHEXT: ".COM;.EXE" }, windows(["C:\\W\\py.exe", "C:\\W\\py.com"]))?.toLowerCase()).toBe("c:\\w\\py.com");
    expect(locate("/opt/python.bat", {}, linux(["/opt/python.bat"]))).toBe("/opt/python.bat");
  });
  it("says an interpreter older than the bundled libraries need is too old, before starting it", () => {
    expect(versionProblem("(3, 10)\n", ["/usr/bin/python3"], DEFAULTS, linux([]))).toBe(
      "/usr/bin/python3 is Python 3.10; the libraries bundled with the extension need Python 3.11 or later",
    );
    expect(versionProblem("(3, 11)\n", ["python3"], DEFAULTS)).toBeUndefined();
    expect(versionProblem("(4, 0)", ["python3"], DEFAULTS)).toBeUndefined();
    const own = { ...DEFAULTS, importStrategy: "fromEnvironment" as const };
    expect(versionProblem("(3, 10)", ["python3"], own)).toBeUndefined();
    expect(versionProblem("(3, 9)", ["py", "-3"], own, windows([]))).toBe("py -3 is Python 3.9; infisical-tokens needs Python 3.10 or later");
    expect(versionProblem("Traceback ...", ["python3"], DEFAULTS)).toBeUndefined(); // the start then says what failed
  });
  it.skipIf(process.platform === "win32")("asks the real interpreter its version", async () => {
    const dir = mkdtempSync(join(tmpdir(), "infisical-py-"));
    const fake = (name: string, printed: string) => {
      const file = join(dir, name);
      writeFileSync(file, `#!/bin/sh\n[ "$1" = -c ] && echo '${printed}'\n`);
      chmodSync(file, 0o755);
      return file;
    };
    expect(await checkVersion([fake("old", "(3, 10)")], DEFAULTS, dir)).toMatch(/is Python 3\.10; .* need Python 3\.11 or later/);
    expect(await checkVersion([fake("new", "(3, 13)")], DEFAULTS, dir)).toBeUndefined();
    expect(await checkVersion([join(dir, "missing")], DEFAULTS, dir)).toBeUndefined();
  });
});

describe("when the server is wanted", () => {
  it("sees an infisical command line the server would read, and nothing else", () => {
    for (const text of ["infisical service-token create", "x\n  %infisical service-token list", "!infisical login", "RUN /usr/local/bin/infisical run -- x",
      "infisical-tokens check .", "TOKEN=$(infisical \\\n service-token create)"]) {
      expect(mentionsCommand(text), text).toBe(true);
    }
    for (const text of ["", "import os", "see https://infisical.com", "my-infisical service", "infisicalx run", "infisical", "use Infisical for secrets"]) {
      expect(mentionsCommand(text), text).toBe(false);
    }
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
