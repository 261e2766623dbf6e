import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("vscode", () => import("./vscode.mock"));
vi.mock("vscode-languageclient/node", () => {
  class LanguageClient {
    static created: any[] = [];
    constructor(public id: string, public name: string, public server: any, public options: any) {
      LanguageClient.created.push(this);
    }
    async start() {}
    isRunning() { return true; }
    async stop() {}
    onNotification() {}
    async sendRequest() { return { projectId: "p", defaultEnvironment: "dev", online: true }; }
  }
  return { LanguageClient, CloseAction: { DoNotRestart: 1 }, ErrorAction: { Continue: 1 }, RevealOutputChannelOn: { Never: 4 } };
});

import * as client from "vscode-languageclient/node";
import { activate } from "../src/extension";
import { ACTIVATION_EVENTS, FILTERS, LANGUAGES } from "../src/common/filetypes";
import { DOCUMENT_SELECTOR } from "../src/common/server";
import { state, window, workspace } from "./vscode.mock";

// a Python 3.12 as the version check before starting sees it, whatever Python this machine has
const PYTHON = join(mkdtempSync(join(tmpdir(), "infisical-py-")), "python3");
writeFileSync(PYTHON, "#!/bin/sh\necho '(3, 12)'\n");
chmodSync(PYTHON, 0o755);

const manifest = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8"));
const context = { subscriptions: [] as any[], extensionPath: "/ext" } as any;

beforeEach(() => {
  state.commands.clear();
  state.trusted = true;
  state.config = { interpreter: [PYTHON] }; // not whatever Python this machine has
  state.workspaceConfig = {};
  state.projectFiles = ["/w/.infisical.json"]; // a workspace that uses Infisical, unless a test says otherwise
  state.documents = [];
  state.listeners.clear();
  state.files = {};
  state.folderConfig = {};
  workspace.workspaceFolders = undefined;
  (client.LanguageClient as any).created = [];
});

describe("manifest", () => {
  it("registers every contributed command", async () => {
    await activate(context);
    const contributed = manifest.contributes.commands.map((c: any) => c.command).sort();
    expect([...state.commands.keys()].sort()).toEqual(contributed);
  });

  it("activates on exactly the file types of core/filetypes.py, and the selector reads exactly them", () => {
    // filetypes.ts is generated from the table (a Python test keeps them equal); VS Code reads activation from the
    // manifest, so the manifest is held to it both ways
    const events: string[] = manifest.activationEvents;
    expect([...events].sort()).toEqual([...ACTIVATION_EVENTS].sort());
    expect(new Set(events).size).toBe(events.length);
    expect(events).toContain("workspaceContains:**/.infisical.json");
    for (const language of LANGUAGES) {
      expect(events).toContain(`onLanguage:${language}`);
      expect(DOCUMENT_SELECTOR).toContainEqual({ language });
    }
    for (const filter of FILTERS) {
      expect(DOCUMENT_SELECTOR).toContainEqual(filter);
      if ("language" in filter && filter.language) expect(events).toContain(`onLanguage:${filter.language}`);
    }
    // nothing in the selector or the activation that the table does not have
    expect(DOCUMENT_SELECTOR).toHaveLength(LANGUAGES.length + FILTERS.length);
    const activating = new Set([...LANGUAGES, ...FILTERS.map((f) => ("language" in f ? f.language : undefined))]);
    for (const event of events.filter((e) => e.startsWith("onLanguage:"))) {
      expect(activating).toContain(event.slice("onLanguage:".length));
    }
    // a plain VS Code opens .env as "properties": activate on it, but send only .env files of that language
    expect(DOCUMENT_SELECTOR).toContainEqual({ language: "properties", pattern: "**/.env" });
    expect(DOCUMENT_SELECTOR).not.toContainEqual({ language: "properties" });
  });

  it("starts the bundled server with the settings as initialization options", async () => {
    state.config = { interpreter: [PYTHON], projectId: "p1" };
    await activate(context);
    const created = (client.LanguageClient as any).created.at(-1);
    expect(created.server.command).toBe(PYTHON);
    expect(created.server.args).toEqual(["-m", "infisical_tokens.lsp"]);
    expect(created.server.options.env.PYTHONPATH.startsWith("/ext/bundled/libs")).toBe(true);
    expect(created.options.initializationOptions).toMatchObject({ projectId: "p1", clientHandlesTokens: true });
  });

  it("starts nothing in an untrusted workspace", async () => {
    state.trusted = false;
    await activate(context);
    expect((client.LanguageClient as any).created).toHaveLength(0);
  });

  it("leaves .infisical.json to the server alone (a schema would flag the same mistakes twice)", () => {
    expect(manifest.contributes.jsonValidation).toBeUndefined();
    expect(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations).toContain("infisical.interpreter");
  });

  it("never lets a workspace's infisical.apiUrl reach the server, and says once that it was ignored", async () => {
    state.config = { apiUrl: "https://eu.infisical.com" };
    state.workspaceConfig = { apiUrl: "http://127.0.0.1:9/steal", projectId: "repo-project" };
    await activate(context);
    const created = (client.LanguageClient as any).created.at(-1);
    expect(created.options.initializationOptions).toMatchObject({ apiUrl: "https://eu.infisical.com", projectId: "repo-project" });
    expect(created.options.synchronize).toBeUndefined(); // the client's own sync would send VS Code's merged values
    // the server's workspace/configuration is answered by the extension, with the user's URL
    const answer = created.options.middleware.workspace.configuration({ items: [{ section: "infisical" }, { section: "other" }] });
    expect(answer).toEqual([{ apiUrl: "https://eu.infisical.com", projectId: "repo-project", offline: false, diagnostics: true }, null]);
    created.options.middleware.workspace.configuration({ items: [{ section: "infisical", scopeUri: undefined }] });
    const lines = (window.createOutputChannel as any).mock.results.at(-1).value.appendLine.mock.calls.map((c: any[]) => c[0]);
    const said = lines.filter((l: string) => l.includes("Ignored infisical.apiUrl in the workspace settings"));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/a repository never chooses where credentials go/);
    expect(lines.join("\n")).not.toContain("127.0.0.1:9");
  });

  it("scopes the settings: apiUrl to the user's own (machine), the others per folder", () => {
    const properties = manifest.contributes.configuration.properties;
    expect(properties["infisical.apiUrl"].scope).toBe("machine");
    for (const key of ["interpreter", "importStrategy", "projectId", "offline", "diagnostics"]) {
      expect(properties[`infisical.${key}`].scope, key).toBe("resource");
    }
  });

  it("carries what a registry shows, and no placeholder address (none until the project has a public home)", () => {
    expect(JSON.stringify(manifest)).not.toMatch(/example\.(invalid|com|org)|localhost/);
    expect(manifest.repository).toBeUndefined();
    // the links are written into the packaged copy from pyproject.toml's home (scripts/package_vsix.mjs)
    expect(manifest.scripts.package).toContain("package_vsix.mjs");
    expect(manifest.keywords).toContain("infisical");
    const png = readFileSync(join(__dirname, "..", manifest.icon));
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([128, 128]); // IHDR width, height
  });

  it("starts no Python in a workspace without .infisical.json or an infisical command, and starts once one shows", async () => {
    state.config = { interpreter: [PYTHON] };
    const created = () => (client.LanguageClient as any).created.length;
    const doc = (path: string, languageId: string, text: string) => ({ uri: { path }, languageId, getText: () => text });
    state.projectFiles = [];
    state.documents = [doc("/w/package.json", "json", '{"name": "x"}'), doc("/w/README.md", "markdown", "# infisical-ish notes\nrun infisicalx now")];
    await activate(context);
    expect(created()).toBe(0);
    state.listeners.get("opened")!(doc("/w/app.py", "python", "import os\nprint('infisical')\n"));
    state.listeners.get("changed")!({ document: doc("/w/notes.txt", "plaintext", "infisical service-token create") }); // not a language it reads
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(created()).toBe(0);
    state.listeners.get("changed")!({ document: doc("/w/README.md", "markdown", "```sh\ninfisical service-token create --scope=dev:/\n```") });
    await vi.waitFor(() => expect(created()).toBe(1)); // after the interpreter's version check
  });

  it("starts when an .infisical.json appears, or a palette command is run, in an idle workspace", async () => {
    state.config = { interpreter: [PYTHON] };
    state.projectFiles = [];
    await activate(context);
    expect((client.LanguageClient as any).created).toHaveLength(0);
    state.listeners.get("projectFileCreated")!({ path: "/w/.infisical.json" });
    await vi.waitFor(() => expect((client.LanguageClient as any).created).toHaveLength(1));
    (client.LanguageClient as any).created = [];
    await activate(context);
    expect((client.LanguageClient as any).created).toHaveLength(0);
    await state.commands.get("infisical.refreshEnvironments")!();
    expect((client.LanguageClient as any).created).toHaveLength(1);
  });

  it("says once that a repository's .vscode/settings.json tried to set infisical.apiUrl (VS Code drops it silently)", async () => {
    workspace.workspaceFolders = [{ uri: { fsPath: "/w", scheme: "file" } }];
    state.files["/w/.vscode/settings.json"] = '{\n  // theirs\n  "infisical.apiUrl": "http://127.0.0.1:9/steal"\n}';
    await activate(context);
    await state.commands.get("infisical.restartServer")!();
    const lines: string[] = (window.createOutputChannel as any).mock.results.at(-1).value.appendLine.mock.calls.map((c: any[]) => c[0]);
    const said = lines.filter((l) => l.startsWith("Ignored infisical.apiUrl in /w/.vscode/settings.json"));
    expect(said).toHaveLength(1);
    expect((client.LanguageClient as any).created.at(-1).options.initializationOptions.apiUrl).toBeNull();
  });

  it("runs one server per folder of a multi-root workspace, each with its folder's settings and documents", async () => {
    const folder = (path: string, index: number) => ({ uri: { fsPath: path, scheme: "file", toString: () => `file://${path}` }, name: path, index });
    workspace.workspaceFolders = [folder("/a", 0), folder("/b", 1)];
    state.config = { interpreter: [PYTHON] };
    state.folderConfig = { "/a": { projectId: "pa" }, "/b": { projectId: "pb", offline: true, diagnostics: false, interpreter: [process.execPath], importStrategy: "fromEnvironment" } };
    await activate(context);
    const [a, b] = (client.LanguageClient as any).created;
    expect((client.LanguageClient as any).created).toHaveLength(2);
    expect(a.options.initializationOptions).toMatchObject({ projectId: "pa", offline: false, diagnostics: true });
    expect(b.options.initializationOptions).toMatchObject({ projectId: "pb", offline: true, diagnostics: false });
    expect([a.server.command, b.server.command]).toEqual([PYTHON, process.execPath]);
    expect(a.server.options.env.PYTHONPATH?.startsWith("/ext/bundled/libs")).toBe(true);
    expect(b.server.options.env.PYTHONPATH ?? "").not.toContain("/ext/bundled/libs");
    expect(b.options.workspaceFolder.uri.fsPath).toBe("/b");
    expect(b.options.documentSelector).toContainEqual({ language: "shellscript", pattern: "/b/**/*" });
    expect(b.options.documentSelector).toContainEqual({ language: "properties", pattern: "/b/**/.env" });
    expect(b.options.middleware.workspace.configuration({ items: [{ section: "infisical" }] })[0]).toMatchObject({ projectId: "pb", offline: true });
  });
});
