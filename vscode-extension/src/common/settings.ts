// The extension's settings, read per workspace folder; which of them need a server restart; what the server is told.
// No `vscode` import: tested directly.

export type ImportStrategy = "useBundled" | "fromEnvironment";

export interface Settings {
  interpreter: string[];
  importStrategy: ImportStrategy;
  apiUrl: string | null;
  projectId: string | null;
  offline: boolean;
  diagnostics: boolean;
}

export const DEFAULTS: Settings = {
  interpreter: [],
  importStrategy: "useBundled",
  apiUrl: null,
  projectId: null,
  offline: false,
  diagnostics: true,
};

/** Keys that choose the server process itself; the others reach the running server as a configuration change. */
export const RESTART_KEYS = ["infisical.interpreter", "infisical.importStrategy"] as const;

export function readSettings(get: (key: string) => unknown): Settings {
  const strategy = get("importStrategy");
  const interpreter = get("interpreter");
  const text = (value: unknown) => (typeof value === "string" && value.trim() ? value.trim() : null);
  return {
    interpreter: Array.isArray(interpreter) ? interpreter.filter((x): x is string => typeof x === "string") : [],
    importStrategy: strategy === "fromEnvironment" ? "fromEnvironment" : "useBundled",
    apiUrl: text(get("apiUrl")),
    projectId: text(get("projectId")),
    offline: get("offline") === true,
    diagnostics: get("diagnostics") !== false,
  };
}

/** The parts of `WorkspaceConfiguration.inspect()` read here. */
export interface Inspected {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/** One section of VS Code's configuration, for one folder. */
export interface Configuration {
  get(key: string): unknown;
  inspect(key: string): Inspected | undefined;
}

/** Settings that choose where credentials go: a repository (workspace or folder settings) never sets them, only the
 * person's own user settings do, as with `.infisical.json`'s `domain`. */
export const USER_ONLY = ["apiUrl"] as const;

/** The settings for one folder, with each user-only setting taken from the user settings alone; `ignored` names the
 * repository's values that were set aside, so the extension can say so. */
export function folderSettings(config: Configuration): { settings: Settings; ignored: string[] } {
  const ignored: string[] = [];
  const userOnly = new Set<string>(USER_ONLY);
  const settings = readSettings((key) => {
    if (!userOnly.has(key)) return config.get(key);
    const seen = config.inspect(key);
    if (seen?.workspaceValue !== undefined) ignored.push(`infisical.${key} in the workspace settings`);
    if (seen?.workspaceFolderValue !== undefined) ignored.push(`infisical.${key} in the folder settings`);
    return seen?.globalValue;
  });
  return { settings, ignored };
}

/** The user-only settings a repository's settings file (`.vscode/settings.json`, a `.code-workspace`) tries to set.
 * VS Code already leaves them out of what it reads (their scope is `machine`) without a word; this lets the
 * extension say so. A key inside a comment counts too: it is only ever a line in the log. */
export function userOnlyIn(text: string): string[] {
  return USER_ONLY.filter((key) => new RegExp(`"infisical\\.${key}"\\s*:`).test(text)).map((key) => `infisical.${key}`);
}

/** What the server is told of the settings, at start (with initialization) and on every change. */
export function serverSettings(settings: Settings, trusted: boolean): Record<string, unknown> {
  return {
    apiUrl: trusted ? settings.apiUrl : null,
    projectId: settings.projectId,
    offline: settings.offline,
    diagnostics: settings.diagnostics,
  };
}

/** initializationOptions: the settings, and that this client takes created tokens itself. */
export function initializationOptions(settings: Settings, trusted: boolean): Record<string, unknown> {
  return { ...serverSettings(settings, trusted), clientHandlesTokens: true };
}
