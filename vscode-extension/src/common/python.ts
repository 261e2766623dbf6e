// Which Python runs the server: the setting, else the Python extension's active interpreter, else python3.
// No `vscode` import: tested directly.
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

/** In an untrusted workspace nothing is run at all. */
export async function resolveInterpreter(
  settings: Settings,
  trusted: boolean,
  pythonExtension?: () => Promise<string[] | undefined>,
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
      // the Python extension is optional; fall through to python3
    }
  }
  return { command: ["python3"] };
}

/** The server process: `python -m infisical_tokens.lsp`, with the bundled libraries first on the path. */
export function serverProcess(
  interpreter: string[],
  settings: Settings,
  bundledLibs: string,
  env: Record<string, string | undefined>,
): { command: string; args: string[]; env: Record<string, string> } {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined) clean[key] = value;
  }
  if (settings.importStrategy === "useBundled") {
    clean.PYTHONPATH = clean.PYTHONPATH ? `${bundledLibs}:${clean.PYTHONPATH}` : bundledLibs;
  }
  const [command, ...rest] = interpreter;
  return { command, args: [...rest, "-m", "infisical_tokens.lsp"], env: clean };
}

/** Why `command` cannot be run, or undefined when it can. Checked before starting: a language client that fails to
 * spawn its server shows a notification of its own that no option turns off, beside ours. */
export function unrunnable(command: string, env: Record<string, string | undefined>): string | undefined {
  const runnable = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes(path.sep)) {
    return runnable(command) ? undefined : `${command} does not exist or is not executable`;
  }
  const dirs = (env.PATH ?? "").split(path.delimiter).filter(Boolean);
  return dirs.some((dir) => runnable(path.join(dir, command))) ? undefined : `${command} is not on the PATH`;
}
