// Pure pieces of the extension: interpreter choice, trust, and what the server is told. No `vscode` import,
// so they are tested directly.

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

/** Languages the server understands; the manifest test keeps this, the activation events and the server in step. */
export const LANGUAGES = ["shellscript", "markdown", "makefile", "yaml", "dockerfile", "python", "json", "dotenv"];

export const DOCUMENT_SELECTOR = [
  ...LANGUAGES.map((language) => ({ language })),
  { scheme: "file", pattern: "**/.infisical.json" },
  { scheme: "file", pattern: "**/.github/workflows/*.{yml,yaml}" },
  { scheme: "vscode-notebook-cell", language: "python" },
];

export type Interpreter = { command: string[] } | { error: string };

/**
 * The Python that runs the server: the setting, else the Python extension's active interpreter, else python3.
 * In an untrusted workspace nothing is run at all.
 */
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

export function mask(token: string): string {
  return token.length > 12 ? `${token.slice(0, 7)}…****` : "****";
}

/** Debounce: a burst of setting changes restarts the server once. */
export function debounce(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      fn();
    }, ms);
  };
}
