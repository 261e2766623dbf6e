// Which Python runs the server: the setting, else the Python extension's active interpreter, else the platform's
// usual command (`py -3` or `python` on Windows, `python3` elsewhere). No `vscode` import: tested directly, with the
// platform injected, since the suite runs on Linux only.
import { execFile } from "child_process";
import { accessSync, constants, statSync } from "fs";
import * as path from "path";
import type { Settings } from "./settings";

/** The part of the Python extension's API (ms-python.python) this extension uses. */
export interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: unknown): { path: string } | undefined;
    resolveEnvironment(environment: { path: string } | string): Promise<{ executable?: { uri?: { fsPath: string } } } | undefined>;
  };
}

export type Interpreter = { command: string[] } | { error: string };

/** The active interpreter of the Python extension for `folder` (each folder of a multi-root workspace has its own),
 * when it has one. */
export async function fromPythonExtension(api: PythonExtensionApi | undefined, folder?: unknown): Promise<string[] | undefined> {
  const active = api?.environments?.getActiveEnvironmentPath(folder);
  if (!active || !api?.environments) return undefined;
  const resolved = await api.environments.resolveEnvironment(active);
  const executable = resolved?.executable?.uri?.fsPath;
  return executable ? [executable] : undefined;
}

/** What differs between the operating systems the extension runs on; `HOST` is the machine it runs on. */
export interface Platform {
  os: NodeJS.Platform;
  path: path.PlatformPath;
  /** Whether `file` is a file this account may run (on Windows: a file that exists). */
  runnable(file: string): boolean;
}

function runnableHere(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

export const HOST: Platform = { os: process.platform, path: process.platform === "win32" ? path.win32 : path.posix, runnable: runnableHere };

/** The interpreters tried when neither the setting nor the Python extension names one, best first. */
export function fallbackInterpreters(platform: Platform = HOST): string[][] {
  return platform.os === "win32" ? [["py", "-3"], ["python"]] : [["python3"]];
}

/** In an untrusted workspace nothing is run at all. A relative interpreter setting (`.venv/bin/python`) is taken
 * from `folder`, the workspace folder the server starts in, not from wherever VS Code itself was started. */
export async function resolveInterpreter(
  settings: Settings,
  trusted: boolean,
  pythonExtension?: () => Promise<string[] | undefined>,
  env: Record<string, string | undefined> = process.env,
  platform: Platform = HOST,
  folder?: string,
): Promise<Interpreter> {
  if (!trusted) {
    return { error: "This workspace is not trusted, so no Python interpreter is started. Trust it to enable Infisical checks." };
  }
  if (settings.interpreter.length > 0) {
    const [command, ...rest] = settings.interpreter;
    const relative = folder !== undefined && isPath(command, platform) && !platform.path.isAbsolute(command);
    return { command: [relative ? platform.path.resolve(folder, command) : command, ...rest] };
  }
  if (pythonExtension) {
    try {
      const found = await pythonExtension();
      if (found && found.length > 0) {
        return { command: found };
      }
    } catch {
      // the Python extension is optional; fall through to the platform's usual command
    }
  }
  const fallbacks = fallbackInterpreters(platform);
  return { command: fallbacks.find(([command]) => locate(command, env, platform) !== undefined) ?? fallbacks[0] };
}

/** The server process: `python -m infisical_tokens.lsp`, with the bundled libraries first on the path. */
export function serverProcess(
  interpreter: string[],
  settings: Settings,
  bundledLibs: string,
  env: Record<string, string | undefined>,
  delimiter: string = HOST.path.delimiter,
): { command: string; args: string[]; env: Record<string, string> } {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined) clean[key] = value;
  }
  if (settings.importStrategy === "useBundled") {
    clean.PYTHONPATH = clean.PYTHONPATH ? `${bundledLibs}${delimiter}${clean.PYTHONPATH}` : bundledLibs;
  }
  const [command, ...rest] = interpreter;
  return { command, args: [...rest, "-m", "infisical_tokens.lsp"], env: clean };
}

/** An environment variable by name; Windows spells names in any case (`Path`, `PATHEXT`). */
function variable(env: Record<string, string | undefined>, name: string, platform: Platform): string | undefined {
  if (platform.os !== "win32") return env[name];
  const key = Object.keys(env).find((k) => k.toUpperCase() === name);
  return key === undefined ? undefined : env[key];
}

/** A path rather than a name looked up on the PATH: any separator the platform knows (Windows takes `/` too). */
export function isPath(command: string, platform: Platform = HOST): boolean {
  return platform.path.isAbsolute(command) || command.includes("/") || (platform.os === "win32" && command.includes("\\"));
}

/** A Windows batch file: node cannot spawn one without a shell (and the server is never started through one). */
const isShim = (file: string, platform: Platform) => platform.os === "win32" && /\.(bat|cmd)$/i.test(file);

/** Every file the system would run for `command`, in its order: on Windows trying each PATHEXT ending. */
function candidates(command: string, env: Record<string, string | undefined>, platform: Platform): string[] {
  const endings =
    platform.os === "win32"
      ? ["", ...(variable(env, "PATHEXT", platform) ?? ".COM;.EXE;.BAT;.CMD").split(";").filter(Boolean)]
      : [""];
  const dirs = isPath(command, platform)
    ? [command]
    : (variable(env, "PATH", platform) ?? "").split(platform.path.delimiter).filter(Boolean).map((dir) => platform.path.join(dir, command));
  return dirs.flatMap((base) => endings.map((ending) => base + ending)).filter((file) => platform.runnable(file));
}

/** The file that runs for `command`, as the system would find it: on Windows trying each PATHEXT ending in order,
 * and never a `.bat`/`.cmd` shim (see `unrunnable`). */
export function locate(command: string, env: Record<string, string | undefined>, platform: Platform = HOST): string | undefined {
  return candidates(command, env, platform).find((file) => !isShim(file, platform));
}

/** Why `command` cannot be run, or undefined when it can. Checked before starting: a language client that fails to
 * spawn its server shows a notification of its own that no option turns off, beside ours. */
export function unrunnable(command: string, env: Record<string, string | undefined>, platform: Platform = HOST): string | undefined {
  if (locate(command, env, platform)) return undefined;
  const shim = candidates(command, env, platform).find((file) => isShim(file, platform));
  if (shim) {
    return `${command} is only the batch file ${shim}, which cannot be started without a shell: name a python.exe instead`;
  }
  return isPath(command, platform) ? `${command} does not exist or is not executable` : `${command} is not on the PATH`;
}

/** The oldest Python the server runs on: the bundled libraries are built for 3.11; an installation of its own
 * (`importStrategy: fromEnvironment`) needs what infisical-tokens declares. */
export function oldestPython(settings: Settings): [number, number] {
  return settings.importStrategy === "useBundled" ? [3, 11] : [3, 10];
}

/** Why the interpreter is too old, from what `python -c "import sys; print(sys.version_info[:2])"` printed; undefined
 * when it is recent enough or the output is not a version (the start then says what went wrong). */
export function versionProblem(printed: string, interpreter: string[], settings: Settings, platform: Platform = HOST): string | undefined {
  const found = /^\((\d+), (\d+)\)\s*$/.exec(printed.trim());
  if (!found) return undefined;
  const [major, minor] = [Number(found[1]), Number(found[2])];
  const [needMajor, needMinor] = oldestPython(settings);
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return undefined;
  const why = settings.importStrategy === "useBundled" ? "the libraries bundled with the extension need" : "infisical-tokens needs";
  return `${shown(interpreter, platform)} is Python ${major}.${minor}; ${why} Python ${needMajor}.${needMinor} or later`;
}

/** Ask the interpreter its version before starting the server on it; undefined when it is recent enough or could not
 * say (a failed start is then reported as such). */
export function checkVersion(interpreter: string[], settings: Settings, cwd?: string, platform: Platform = HOST): Promise<string | undefined> {
  const [command, ...rest] = interpreter;
  return new Promise((resolve) => {
    execFile(command, [...rest, "-c", "import sys; print(sys.version_info[:2])"], { cwd, timeout: 15000, windowsHide: true }, (error, stdout) => {
      resolve(error ? undefined : versionProblem(String(stdout), interpreter, settings, platform));
    });
  });
}

/** A command as a person would type it into that platform's shell: arguments with spaces or quotes are quoted. */
export function shown(command: string[], platform: Platform = HOST): string {
  const quote = (arg: string) => {
    if (arg !== "" && !/[\s"'$`]/.test(arg)) return arg;
    return platform.os === "win32" ? `"${arg.replace(/"/g, '""')}"` : `'${arg.replace(/'/g, "'\\''")}'`;
  };
  return command.map(quote).join(" ");
}
