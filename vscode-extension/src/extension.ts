// Activation: start `python -m infisical_tokens.lsp`, register the palette commands, show a status item.
import * as path from "path";
import * as vscode from "vscode";
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  type LanguageClientOptions,
  RevealOutputChannelOn,
  type ServerOptions,
} from "vscode-languageclient/node";
import {
  DOCUMENT_SELECTOR,
  debounce,
  initializationOptions,
  readSettings,
  resolveInterpreter,
  serverProcess,
} from "./config";
import { SERVER_CREATE, type CreateRequest, type ServerCommands, askForRequest, createServiceToken } from "./create";

export const COMMANDS = {
  create: "infisical.createServiceToken",
  restart: "infisical.restartServer",
  logs: "infisical.showLogs",
  refresh: "infisical.refreshEnvironments",
} as const;

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
let status: vscode.LanguageStatusItem;

function settings() {
  const config = vscode.workspace.getConfiguration("infisical");
  return readSettings((key) => config.get(key));
}

async function pythonFromExtension(): Promise<string[] | undefined> {
  const python = vscode.extensions.getExtension("ms-python.python");
  if (!python) return undefined;
  const api: any = python.isActive ? python.exports : await python.activate();
  const env = api?.environments?.getActiveEnvironmentPath?.();
  const resolved = env ? await api.environments.resolveEnvironment(env) : undefined;
  const executable = resolved?.executable?.uri?.fsPath;
  return executable ? [executable] : undefined;
}

const server: ServerCommands = {
  async execute(command, args) {
    if (!client) throw new Error("The Infisical language server is not running.");
    return client.sendRequest("workspace/executeCommand", { command, arguments: args });
  },
};

async function start(context: vscode.ExtensionContext): Promise<void> {
  const current = settings();
  const trusted = vscode.workspace.isTrusted;
  const interpreter = await resolveInterpreter(current, trusted, pythonFromExtension);
  if ("error" in interpreter) {
    status.text = "Infisical: off";
    status.detail = interpreter.error;
    output.appendLine(interpreter.error);
    return;
  }
  const bundled = path.join(context.extensionPath, "bundled", "libs");
  const process = serverProcess(interpreter.command, current, bundled, { ...globalThis.process.env });
  const serverOptions: ServerOptions = { command: process.command, args: process.args, options: { env: process.env } };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationOptions: initializationOptions(current, trusted),
    synchronize: { configurationSection: "infisical" },
    errorHandler: {
      error: () => ({ action: ErrorAction.Continue }),
      closed: () => {
        void vscode.window
          .showErrorMessage("The Infisical language server stopped. Is infisical-tokens installed for that Python?", "Show Logs", "Restart")
          .then((choice) => vscode.commands.executeCommand(choice === "Restart" ? COMMANDS.restart : COMMANDS.logs));
        return { action: CloseAction.DoNotRestart };
      },
    },
    middleware: {
      // The server's "Create service token" code action runs through our command, so the token reaches the clipboard.
      provideCodeActions: async (document, range, ctx, token, next) => {
        const actions = (await next(document, range, ctx, token)) ?? [];
        for (const action of actions) {
          const command = "command" in action && typeof action.command === "object" ? action.command : undefined;
          if (command?.command === SERVER_CREATE) command.command = COMMANDS.create;
        }
        return actions;
      },
    },
  };
  client = new LanguageClient("infisical", "Infisical", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (err) {
    const message = `Could not start the Infisical language server with ${interpreter.command.join(" ")}: ${err}`;
    output.appendLine(message);
    void vscode.window.showErrorMessage(message, "Show Logs").then(() => output.show());
    client = undefined;
    return;
  }
  await refreshStatus();
}

async function refreshStatus(): Promise<void> {
  const uri = vscode.window.activeTextEditor?.document.uri.toString();
  const info = await server.execute("infisical.server.status", [{ uri }]).catch(() => undefined);
  if (!info) return;
  const env = info.defaultEnvironment || Object.values(info.branchMapping ?? {})[0] || "no environment";
  status.text = `Infisical: ${info.projectId ? `${env}` : "no project"} ${info.online ? "" : "(offline)"}`.trim();
  status.detail = info.online ? `project ${info.projectId}` : info.reason ?? "offline";
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) await running.stop();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("Infisical");
  status = vscode.languages.createLanguageStatusItem("infisical.status", DOCUMENT_SELECTOR);
  status.name = "Infisical";
  status.command = { title: "Show Logs", command: COMMANDS.logs };
  status.text = "Infisical";
  const restart = async () => {
    await stop();
    await start(context);
  };
  const restartSoon = debounce(() => void restart(), 500);
  context.subscriptions.push(
    output,
    status,
    vscode.commands.registerCommand(COMMANDS.create, async (request?: CreateRequest) => {
      const wanted = request ?? (await askForRequest(server, vscode.window.activeTextEditor?.document.uri.toString()));
      if (wanted) await createServiceToken(server, wanted);
    }),
    vscode.commands.registerCommand(COMMANDS.restart, restart),
    vscode.commands.registerCommand(COMMANDS.logs, () => output.show()),
    vscode.commands.registerCommand(COMMANDS.refresh, async () => {
      const uri = vscode.window.activeTextEditor?.document.uri.toString();
      await server.execute("infisical.server.refreshCatalog", [{ uri }]);
      await refreshStatus();
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("infisical")) restartSoon();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void restart()),
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  await stop();
}
