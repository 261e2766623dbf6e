// A recording stand-in for the `vscode` module (the real one exists only inside VS Code).
import { vi } from "vitest";

const disposable = { dispose() {} };

export const state = {
  clipboard: "",
  info: [] as string[],
  errors: [] as string[],
  warnings: [] as string[],
  commands: new Map<string, (...args: any[]) => any>(),
  quickPicks: [] as any[],
  inputs: [] as (string | undefined)[],
  warningAnswers: [] as (string | undefined)[],
  trusted: true,
  config: {} as Record<string, unknown>, // the user's settings
  workspaceConfig: {} as Record<string, unknown>, // a repository's (.vscode/settings.json)
  projectFiles: [] as string[], // what findFiles finds for **/.infisical.json
  documents: [] as { uri: { path: string }; languageId: string; getText(): string }[], // open documents
  listeners: new Map<string, (...args: any[]) => any>(),
  files: {} as Record<string, string>, // what workspace.fs reads
  folderConfig: {} as Record<string, Record<string, unknown>>, // each folder's .vscode/settings.json, by its path
};

/** What a person sees and answers, emptied before each test of a palette flow. */
export function resetUi(): void {
  state.clipboard = "";
  state.info = [];
  state.errors = [];
  state.warnings = [];
  state.quickPicks = [];
  state.inputs = [];
  state.warningAnswers = [];
}

const listen = (name: string) => vi.fn((fn: (...args: any[]) => any) => { state.listeners.set(name, fn); return disposable; });


export const window = {
  showInformationMessage: vi.fn(async (m: string) => { state.info.push(m); return undefined; }),
  showErrorMessage: vi.fn(async (m: string) => { state.errors.push(m); return undefined; }),
  showWarningMessage: vi.fn(async (m: string) => { state.warnings.push(m); return state.warningAnswers.shift(); }),
  showQuickPick: vi.fn(async () => state.quickPicks.shift()),
  showInputBox: vi.fn(async () => state.inputs.shift()),
  createOutputChannel: vi.fn(() => ({ appendLine: vi.fn(), show: vi.fn(), dispose() {} })),
  activeTextEditor: undefined as any,
  onDidChangeActiveTextEditor: vi.fn(() => disposable),
};
export const env = { clipboard: { writeText: vi.fn(async (text: string) => { state.clipboard = text; }) } };
export const commands = {
  registerCommand: vi.fn((id: string, fn: (...args: any[]) => any) => { state.commands.set(id, fn); return disposable; }),
  executeCommand: vi.fn(async () => undefined),
};
export const languages = {
  createLanguageStatusItem: vi.fn((_id: string, selector: unknown) => ({ text: "", detail: "", name: "", command: undefined, selector, dispose() {} })),
  // enough of VS Code's matching for the selector's plain language entries
  match: vi.fn((selector: { language?: string }[], document: { languageId: string }) => (selector.some((f) => f.language === document.languageId) ? 10 : 0)),
};
export const workspace: any = {
  get isTrusted() { return state.trusted; },
  workspaceFolders: undefined as any,
  getConfiguration: vi.fn((_section: string, scope?: { fsPath: string }) => {
    const folder = (scope && state.folderConfig[scope.fsPath]) || {};
    return {
      // as VS Code merges them: the folder's value wins over the workspace's, which wins over the user's
      get: (key: string) => (key in folder ? folder[key] : key in state.workspaceConfig ? state.workspaceConfig[key] : state.config[key]),
      inspect: (key: string) => ({ globalValue: state.config[key], workspaceValue: state.workspaceConfig[key], workspaceFolderValue: folder[key] }),
    };
  }),
  getWorkspaceFolder: vi.fn((uri: { fsPath: string }) => workspace.workspaceFolders?.find((f: any) => uri.fsPath.startsWith(`${f.uri.fsPath}/`))),
  onDidChangeWorkspaceFolders: vi.fn(() => disposable),
  onDidChangeConfiguration: vi.fn(() => disposable),
  onDidGrantWorkspaceTrust: vi.fn(() => disposable),
  get textDocuments() { return state.documents; },
  findFiles: vi.fn(async () => state.projectFiles.map((path) => ({ path }))),
  createFileSystemWatcher: vi.fn(() => ({ onDidCreate: listen("projectFileCreated"), dispose() {} })),
  onDidOpenTextDocument: listen("opened"),
  workspaceFile: undefined as any,
  fs: {
    readFile: vi.fn(async (uri: { fsPath: string }) => {
      if (!(uri.fsPath in state.files)) throw new Error("FileNotFound");
      return new TextEncoder().encode(state.files[uri.fsPath]);
    }),
  },
  onDidChangeTextDocument: listen("changed"),
};
export const Uri = {
  joinPath: (base: { fsPath: string }, ...parts: string[]) => ({ fsPath: [base.fsPath, ...parts].join("/"), scheme: "file" }),
  parse: (text: string) => ({ fsPath: text.replace(/^file:\/\//, ""), scheme: "file" }),
};
export const extensions = { getExtension: vi.fn(() => undefined) };
