// Activation: wire the modules of src/common together and register the palette commands.
import * as vscode from "vscode";
import { askForRequest, createServiceToken } from "./create";
import { auditFlow, rotateFlow } from "./tokens";
import { migrateFlow } from "./migrate";
import { Log } from "./common/log";
import { type PythonExtensionApi, checkVersion, fromPythonExtension, resolveInterpreter, unrunnable } from "./common/python";
import { REFRESH, STATUS, type CreateArgs } from "./common/protocol";
import { DOCUMENT_SELECTOR, Server, selectorFor } from "./common/server";
import { debounce, oneAtATime } from "./common/schedule";
import { RESTART_KEYS, type Settings, folderSettings, serverSettings, userOnlyIn } from "./common/settings";
import { statusText } from "./common/status";
import { IDLE_REASON, PROJECT_FILE_GLOB, mentionsCommand } from "./common/wanted";

export const COMMANDS = {
  create: "infisical.createServiceToken",
  restart: "infisical.restartServer",
  logs: "infisical.showLogs",
  refresh: "infisical.refreshEnvironments",
  rotate: "infisical.rotateServiceToken",
  audit: "infisical.auditServiceTokens",
  migrate: "infisical.migrateServiceToken",
} as const;

/** One server per workspace folder, so that each folder's settings (interpreter included) hold in a multi-root
 * workspace; a window without a folder has one, under "". */
interface FolderServer {
  folder: vscode.WorkspaceFolder | undefined;
  server: Server;
  whyOff?: string; // shown by the status item while this server does not run
}
const servers = new Map<string, FolderServer>();
let log: Log;
let status: vscode.LanguageStatusItem;
const saidIgnored = new Set<string>(); // each ignored repository setting is said once

/** The settings of a folder (by default the first), each read for that folder; a repository's choice of where
 * credentials go is set aside, and the log says so once. */
function settings(scope?: vscode.Uri): Settings {
  const config = vscode.workspace.getConfiguration("infisical", scope ?? vscode.workspace.workspaceFolders?.[0]?.uri);
  const { settings: read, ignored } = folderSettings(config);
  ignored.forEach(sayIgnored);
  return read;
}

function sayIgnored(which: string): void {
  if (saidIgnored.has(which)) return;
  saidIgnored.add(which);
  log.info(`Ignored ${which}: a repository never chooses where credentials go. Set it in your user settings.`);
}

/** Names, once, each user-only setting a repository's settings files try to set (VS Code drops them silently). */
async function sayIgnoredInRepository(): Promise<void> {
  const files = (vscode.workspace.workspaceFolders ?? []).map((folder) => vscode.Uri.joinPath(folder.uri, ".vscode", "settings.json"));
  const workspaceFile = vscode.workspace.workspaceFile;
  if (workspaceFile?.scheme === "file") files.push(workspaceFile);
  for (const file of files) {
    const text = await vscode.workspace.fs.readFile(file).then((bytes) => new TextDecoder().decode(bytes), () => "");
    for (const key of userOnlyIn(text)) sayIgnored(`${key} in ${file.fsPath}`);
  }
}

/** What a folder's server is told: the settings of the folder it asks about, else its own folder's. */
const forServer = (scopeUri: string | undefined, folder: vscode.WorkspaceFolder | undefined) =>
  serverSettings(settings(scopeUri ? vscode.Uri.parse(scopeUri) : folder?.uri), vscode.workspace.isTrusted);

/** The server for a document: its folder's, else the first. */
function serverFor(uri: vscode.Uri | undefined): FolderServer | undefined {
  const folder = uri ? vscode.workspace.getWorkspaceFolder(uri) : undefined;
  return (folder && servers.get(folder.uri.toString())) || servers.values().next().value;
}

const active = () => vscode.window.activeTextEditor?.document.uri;

async function pythonFromExtension(folder: vscode.Uri | undefined): Promise<string[] | undefined> {
  const python = vscode.extensions.getExtension<PythonExtensionApi>("ms-python.python");
  if (!python) return undefined;
  return fromPythonExtension(python.isActive ? python.exports : await python.activate(), folder);
}

async function startAll(context: vscode.ExtensionContext): Promise<void> {
  await sayIgnoredInRepository();
  const folders = vscode.workspace.workspaceFolders?.length ? vscode.workspace.workspaceFolders : [undefined];
  for (const folder of folders) {
    const entry: FolderServer = { folder, server: new Server() };
    servers.set(folder?.uri.toString() ?? "", entry);
    await start(context, entry);
  }
  await refreshStatus();
}

async function stopAll(): Promise<void> {
  const running = [...servers.values()];
  servers.clear();
  await Promise.all(running.map((entry) => entry.server.stop()));
}

async function start(context: vscode.ExtensionContext, entry: FolderServer): Promise<void> {
  const { folder, server } = entry;
  const current = settings(folder?.uri);
  const trusted = vscode.workspace.isTrusted;
  const where = folder?.uri.fsPath; // the server starts there, so a relative interpreter setting is taken from there
  const interpreter = await resolveInterpreter(current, trusted, () => pythonFromExtension(folder?.uri), process.env, undefined, where);
  if ("error" in interpreter) {
    entry.whyOff = interpreter.error; // chosen, not a failure: the status item and the log say why, no message
    log.info(interpreter.error);
  } else {
    const missing = unrunnable(interpreter.command[0], process.env) ?? (await checkVersion(interpreter.command, current, where));
    const failed = missing
      ? `Could not start the Infisical language server: ${missing}. Set "infisical.interpreter" to a Python 3.11 or later.`
      : await server.start({
          interpreter: interpreter.command,
          settings: current,
          trusted,
          extensionPath: context.extensionPath,
          log,
          createCommand: COMMANDS.create,
          // in a multi-root workspace each folder's server reads that folder's documents only
          selector: selectorFor((vscode.workspace.workspaceFolders?.length ?? 0) > 1 ? folder?.uri.fsPath : undefined),
          workspaceFolder: folder,
          onStopped: () => {
            void refreshStatus();
            offerLogsOrRestart("The Infisical language server stopped. Show Logs says why; Restart starts it again.");
          },
          onStatusChanged: () => void refreshStatus(),
          configuration: (scopeUri) => forServer(scopeUri, folder),
        });
    if (failed) {
      entry.whyOff = failed;
      log.info(failed);
      offerLogsOrRestart(failed);
    }
  }
}

/** One message with the two ways on; the server is not started again until the person picks one. */
function offerLogsOrRestart(message: string): void {
  void vscode.window.showErrorMessage(message, "Show Logs", "Restart").then((choice) => {
    if (choice) void vscode.commands.executeCommand(choice === "Restart" ? COMMANDS.restart : COMMANDS.logs);
  });
}

async function refreshStatus(): Promise<void> {
  const uri = active();
  const entry = serverFor(uri);
  const info = entry?.server.running ? await entry.server.execute(STATUS, { uri: uri?.toString() }).catch(() => undefined) : undefined;
  const shown = statusText(info, entry?.whyOff);
  status.text = shown.text;
  status.detail = shown.detail;
}

/** Whether a workspace shows it uses Infisical: its `.infisical.json`, or an open file with an `infisical` command. */
async function usesInfisical(): Promise<boolean> {
  if (vscode.workspace.textDocuments.some(showsInfisical)) return true;
  return (await vscode.workspace.findFiles(PROJECT_FILE_GLOB, "**/node_modules/**", 1)).length > 0;
}

function showsInfisical(document: vscode.TextDocument): boolean {
  if (document.uri.path.endsWith("/.infisical.json")) return true;
  return vscode.languages.match(DOCUMENT_SELECTOR, document) > 0 && mentionsCommand(document.getText());
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  log = new Log(vscode.window.createOutputChannel("Infisical"));
  status = vscode.languages.createLanguageStatusItem("infisical.status", []); // shown once the server is wanted
  status.name = "Infisical";
  status.command = { title: "Show Logs", command: COMMANDS.logs };
  status.text = "Infisical";
  let wanted = false; // no Python process until the workspace shows it uses Infisical, or a command is run
  const restart = oneAtATime(async () => {
    wanted = true;
    status.selector = DOCUMENT_SELECTOR;
    await stopAll();
    await startAll(context);
  });
  const ready = async () => {
    if (!wanted) await restart();
  };
  const restartSoon = debounce(() => void (wanted && restart()), 500);
  const startIfShown = (document: vscode.TextDocument) => {
    if (!wanted && showsInfisical(document)) void ready();
  };
  const projectFiles = vscode.workspace.createFileSystemWatcher(PROJECT_FILE_GLOB, false, true, true);
  context.subscriptions.push(
    log.channel,
    status,
    projectFiles,
    projectFiles.onDidCreate(() => void ready()),
    vscode.workspace.onDidOpenTextDocument(startIfShown),
    vscode.workspace.onDidChangeTextDocument((event) => startIfShown(event.document)),
    vscode.commands.registerCommand(COMMANDS.create, async (request?: CreateArgs) => {
      await ready();
      const server = serverFor(request?.uri ? vscode.Uri.parse(request.uri) : active())?.server;
      if (!server?.running) {
        void vscode.window.showErrorMessage("Infisical: the language server is not running.", "Show Logs");
        return;
      }
      const asked = request ?? (await askForRequest(server, vscode.window.activeTextEditor?.document.uri.toString()));
      if (asked) await createServiceToken(server, asked);
    }),
    vscode.commands.registerCommand(COMMANDS.rotate, async () => {
      await ready();
      const server = serverFor(active())?.server;
      if (server?.running) await rotateFlow(server, active()?.toString());
    }),
    vscode.commands.registerCommand(COMMANDS.audit, async () => {
      await ready();
      const server = serverFor(active())?.server;
      if (server?.running) await auditFlow(server, active()?.toString());
    }),
    vscode.commands.registerCommand(COMMANDS.migrate, async () => {
      await ready();
      const server = serverFor(active())?.server;
      if (server?.running) await migrateFlow(server, active()?.toString());
    }),
    vscode.commands.registerCommand(COMMANDS.restart, restart),
    vscode.commands.registerCommand(COMMANDS.logs, () => log.show()),
    vscode.commands.registerCommand(COMMANDS.refresh, async () => {
      await ready();
      const server = serverFor(active())?.server;
      if (!server?.running) return;
      const answer = await server.execute(REFRESH, { uri: active()?.toString() });
      if (!answer.online) log.info(`Refresh: offline (${answer.reason ?? "unknown reason"})`);
      await refreshStatus();
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (RESTART_KEYS.some((key) => event.affectsConfiguration(key))) restartSoon();
      else if (event.affectsConfiguration("infisical")) {
        const told = [...servers.values()].map((entry) => entry.server.configurationChanged(forServer(undefined, entry.folder)));
        void Promise.allSettled(told).then(refreshStatus);
      }
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => restartSoon()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void (wanted && restart())),
    vscode.window.onDidChangeActiveTextEditor(() => void refreshStatus()),
  );
  if (await usesInfisical()) await restart();
  else log.info(IDLE_REASON);
}

export async function deactivate(): Promise<void> {
  await stopAll();
}
