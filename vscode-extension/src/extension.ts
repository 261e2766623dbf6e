// Activation: wire the modules of src/common together and register the palette commands.
import * as vscode from "vscode";
import { askForRequest, createServiceToken } from "./create";
import { auditFlow, rotateFlow } from "./tokens";
import { Log } from "./common/log";
import { type PythonExtensionApi, fromPythonExtension, resolveInterpreter, unrunnable } from "./common/python";
import { REFRESH, STATUS, type CreateArgs } from "./common/protocol";
import { DOCUMENT_SELECTOR, Server } from "./common/server";
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
} as const;

const server = new Server();
let log: Log;
let status: vscode.LanguageStatusItem;
let whyOff: string | undefined; // shown by the status item while no server runs
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

const forServer = (scopeUri: string | undefined) =>
  serverSettings(settings(scopeUri ? vscode.Uri.parse(scopeUri) : undefined), vscode.workspace.isTrusted);

async function pythonFromExtension(): Promise<string[] | undefined> {
  const python = vscode.extensions.getExtension<PythonExtensionApi>("ms-python.python");
  if (!python) return undefined;
  return fromPythonExtension(python.isActive ? python.exports : await python.activate());
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  await sayIgnoredInRepository();
  const current = settings();
  const trusted = vscode.workspace.isTrusted;
  const interpreter = await resolveInterpreter(current, trusted, pythonFromExtension);
  whyOff = undefined;
  if ("error" in interpreter) {
    whyOff = interpreter.error; // chosen, not a failure: the status item and the log say why, no message
    log.info(interpreter.error);
  } else {
    const missing = unrunnable(interpreter.command[0], process.env);
    const failed = missing
      ? `Could not start the Infisical language server: ${missing}. Set "infisical.interpreter" to a Python 3.11 or later.`
      : await server.start({
          interpreter: interpreter.command,
          settings: current,
          trusted,
          extensionPath: context.extensionPath,
          log,
          createCommand: COMMANDS.create,
          onStopped: () => {
            void refreshStatus();
            offerLogsOrRestart("The Infisical language server stopped. Show Logs says why; Restart starts it again.");
          },
          onStatusChanged: () => void refreshStatus(),
          configuration: forServer,
        });
    if (failed) {
      whyOff = failed;
      log.info(failed);
      offerLogsOrRestart(failed);
    }
  }
  await refreshStatus();
}

/** One message with the two ways on; the server is not started again until the person picks one. */
function offerLogsOrRestart(message: string): void {
  void vscode.window.showErrorMessage(message, "Show Logs", "Restart").then((choice) => {
    if (choice) void vscode.commands.executeCommand(choice === "Restart" ? COMMANDS.restart : COMMANDS.logs);
  });
}

async function refreshStatus(): Promise<void> {
  const uri = vscode.window.activeTextEditor?.document.uri.toString();
  const info = server.running ? await server.execute(STATUS, { uri }).catch(() => undefined) : undefined;
  const shown = statusText(info, whyOff);
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
    await server.stop();
    await start(context);
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
      if (!server.running) {
        void vscode.window.showErrorMessage("Infisical: the language server is not running.", "Show Logs");
        return;
      }
      const asked = request ?? (await askForRequest(server, vscode.window.activeTextEditor?.document.uri.toString()));
      if (asked) await createServiceToken(server, asked);
    }),
    vscode.commands.registerCommand(COMMANDS.rotate, async () => {
      await ready();
      if (server.running) await rotateFlow(server, vscode.window.activeTextEditor?.document.uri.toString());
    }),
    vscode.commands.registerCommand(COMMANDS.audit, async () => {
      await ready();
      if (server.running) await auditFlow(server, vscode.window.activeTextEditor?.document.uri.toString());
    }),
    vscode.commands.registerCommand(COMMANDS.restart, restart),
    vscode.commands.registerCommand(COMMANDS.logs, () => log.show()),
    vscode.commands.registerCommand(COMMANDS.refresh, async () => {
      await ready();
      if (!server.running) return;
      const uri = vscode.window.activeTextEditor?.document.uri.toString();
      const answer = await server.execute(REFRESH, { uri });
      if (!answer.online) log.info(`Refresh: offline (${answer.reason ?? "unknown reason"})`);
      await refreshStatus();
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (RESTART_KEYS.some((key) => event.affectsConfiguration(key))) restartSoon();
      else if (event.affectsConfiguration("infisical")) {
        void server.configurationChanged(forServer(undefined)).then(refreshStatus, refreshStatus);
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void (wanted && restart())),
    vscode.window.onDidChangeActiveTextEditor(() => void refreshStatus()),
  );
  if (await usesInfisical()) await restart();
  else log.info(IDLE_REASON);
}

export async function deactivate(): Promise<void> {
  await server.stop();
}
