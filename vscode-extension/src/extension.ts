// Activation: wire the modules of src/common together and register the palette commands.
import * as vscode from "vscode";
import { askForRequest, createServiceToken } from "./create";
import { auditFlow, rotateFlow } from "./tokens";
import { migrateFlow } from "./migrate";
import { Log } from "./common/log";
import { type PythonExtensionApi, fromPythonExtension, resolveInterpreter, unrunnable } from "./common/python";
import { REFRESH, STATUS, type CreateArgs } from "./common/protocol";
import { DOCUMENT_SELECTOR, Server } from "./common/server";
import { debounce, oneAtATime } from "./common/schedule";
import { RESTART_KEYS, readSettings } from "./common/settings";
import { statusText } from "./common/status";

export const COMMANDS = {
  create: "infisical.createServiceToken",
  restart: "infisical.restartServer",
  logs: "infisical.showLogs",
  refresh: "infisical.refreshEnvironments",
  rotate: "infisical.rotateServiceToken",
  audit: "infisical.auditServiceTokens",
  migrate: "infisical.migrateServiceToken",
} as const;

const server = new Server();
let log: Log;
let status: vscode.LanguageStatusItem;
let whyOff: string | undefined; // shown by the status item while no server runs

function settings() {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const config = vscode.workspace.getConfiguration("infisical", folder?.uri);
  return readSettings((key) => config.get(key));
}

async function pythonFromExtension(): Promise<string[] | undefined> {
  const python = vscode.extensions.getExtension<PythonExtensionApi>("ms-python.python");
  if (!python) return undefined;
  return fromPythonExtension(python.isActive ? python.exports : await python.activate());
}

async function start(context: vscode.ExtensionContext): Promise<void> {
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

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  log = new Log(vscode.window.createOutputChannel("Infisical"));
  status = vscode.languages.createLanguageStatusItem("infisical.status", DOCUMENT_SELECTOR);
  status.name = "Infisical";
  status.command = { title: "Show Logs", command: COMMANDS.logs };
  status.text = "Infisical";
  const restart = oneAtATime(async () => {
    await server.stop();
    await start(context);
  });
  const restartSoon = debounce(() => void restart(), 500);
  context.subscriptions.push(
    log.channel,
    status,
    vscode.commands.registerCommand(COMMANDS.create, async (request?: CreateArgs) => {
      if (!server.running) {
        void vscode.window.showErrorMessage("Infisical: the language server is not running.", "Show Logs");
        return;
      }
      const wanted = request ?? (await askForRequest(server, vscode.window.activeTextEditor?.document.uri.toString()));
      if (wanted) await createServiceToken(server, wanted);
    }),
    vscode.commands.registerCommand(COMMANDS.rotate, async () => {
      if (server.running) await rotateFlow(server, vscode.window.activeTextEditor?.document.uri.toString());
    }),
    vscode.commands.registerCommand(COMMANDS.audit, async () => {
      if (server.running) await auditFlow(server, vscode.window.activeTextEditor?.document.uri.toString());
    }),
    vscode.commands.registerCommand(COMMANDS.migrate, async () => {
      if (server.running) await migrateFlow(server, vscode.window.activeTextEditor?.document.uri.toString());
    }),
    vscode.commands.registerCommand(COMMANDS.restart, restart),
    vscode.commands.registerCommand(COMMANDS.logs, () => log.show()),
    vscode.commands.registerCommand(COMMANDS.refresh, async () => {
      if (!server.running) return;
      const uri = vscode.window.activeTextEditor?.document.uri.toString();
      const answer = await server.execute(REFRESH, { uri });
      if (!answer.online) log.info(`Refresh: offline (${answer.reason ?? "unknown reason"})`);
      await refreshStatus();
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (RESTART_KEYS.some((key) => event.affectsConfiguration(key))) restartSoon();
      else if (event.affectsConfiguration("infisical")) void refreshStatus();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void restart()),
    vscode.window.onDidChangeActiveTextEditor(() => void refreshStatus()),
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  await server.stop();
}
