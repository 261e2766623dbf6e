// Which Python runs the server: the setting, else the Python extension's active interpreter, else the platform's
// usual command (`py -3` or `python` on Windows, `python3` elsewhere). No `vscode` import: tested directly, with the
// platform injected, since the suite runs on Linux only.
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

/** The active interpreter of the Python extension, when it has one. */
export async function fromPythonExtension(api: PythonExtensionApi | undefined): Promise<string[] | undefined> {
  const active = api?.environments?.getActiveEnvironmentPath();
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

/** In an untrusted workspace nothing is run at all. */
export async function resolveInterpreter(
  settings: Settings,
  trusted: boolean,
  pythonExtension?: () => Promise<string[] | undefined>,
  env: Record<string, string | undefined> = process.env,
  platform: Platform = HOST,
): Promise<Interpreter> {
  if (!trusted) {
    return { error: "This workspace is not trusted, so no Python interpreter is started. Trust it to enable Infisical checks." };
  }
  if (settings.interpreter.length > 0) {
    return { command: settings.interpreter };
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

/** The file that runs for `command`, as the system would find it: on Windows trying each PATHEXT ending. */
export function locate(command: string, env: Record<string, string | undefined>, platform: Platform = HOST): string | undefined {
  const endings =
    platform.os === "win32"
      ? ["", ...(variable(env, "PATHEXT", platform) ?? ".COM;.EXE;.BAT;.CMD").split(";").filter(Boolean)]
      : [""];
  const first = (base: string) => endings.map((ending) => base + ending).find((file) => platform.runnable(file));
  if (isPath(command, platform)) return first(command);
  const dirs = (variable(env, "PATH", platform) ?? "").split(platform.path.delimiter).filter(Boolean);
  for (const dir of dirs) {
    const found = first(platform.path.join(dir, command));
    if (found) return found;
  }
  return undefined;
}

/** Why `command` cannot be run, or undefined when it can. Checked before starting: a language client that fails to
 * spawn its server shows a notification of its own that no option turns off, beside ours. */
export function unrunnable(command: string, env: Record<string, string | undefined>, platform: Platform = HOST): string | undefined {
  if (locate(command, env, platform)) return undefined;
  return isPath(command, platform) ? `${command} does not exist or is not executable` : `${command} is not on the PATH`;
}

/** A command as a person would type it into that platform's shell: arguments with spaces or quotes are quoted. */
export function shown(command: string[], platform: Platform = HOST): string {
  const quote = (arg: string) => {
    if (arg !== "" && !/[\s"'$`]/.test(arg)) return arg;
    return platform.os === "win32" ? `"${arg.replace(/"/g, '""')}"` : `'${arg.replace(/'/g, "'\\''")}'`;
  };
  return command.map(quote).join(" ");
}
