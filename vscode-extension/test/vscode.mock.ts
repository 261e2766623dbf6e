// A recording stand-in for the `vscode` module (the real one exists only inside VS Code).
import { vi } from "vitest";

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
};

const disposable = { dispose() {} };

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
  createLanguageStatusItem: vi.fn(() => ({ text: "", detail: "", name: "", command: undefined, dispose() {} })),
};
export const workspace = {
  get isTrusted() { return state.trusted; },
  workspaceFolders: undefined as any,
  getConfiguration: vi.fn(() => ({
    // as VS Code merges them: the workspace's value wins over the user's
    get: (key: string) => (key in state.workspaceConfig ? state.workspaceConfig[key] : state.config[key]),
    inspect: (key: string) => ({ globalValue: state.config[key], workspaceValue: state.workspaceConfig[key] }),
  })),
  onDidChangeConfiguration: vi.fn(() => disposable),
  onDidGrantWorkspaceTrust: vi.fn(() => disposable),
};
export const extensions = { getExtension: vi.fn(() => undefined) };
