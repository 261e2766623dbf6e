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

/** initializationOptions: workspace-chosen API URLs are dropped when the workspace is not trusted. */
export function initializationOptions(settings: Settings, trusted: boolean): Record<string, unknown> {
  return {
    apiUrl: trusted ? settings.apiUrl : null,
    projectId: settings.projectId,
    offline: settings.offline,
    diagnostics: settings.diagnostics,
    clientHandlesTokens: true,
  };
}
