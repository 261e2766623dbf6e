// Starting and stopping the language server, and calling its commands with the types of lsp/protocol.py.
import * as path from "path";
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  type LanguageClientOptions,
  RevealOutputChannelOn,
  type ServerOptions,
} from "vscode-languageclient/node";
import { FILTERS, LANGUAGES } from "./filetypes";
import type { Log } from "./log";
import { CREATE, STATUS_CHANGED, type CommandMap, type StatusChanged } from "./protocol";
import { serverProcess, shown } from "./python";
import { type Settings, initializationOptions } from "./settings";

/** The documents the server reads: core/filetypes.py's table, through the generated filetypes.ts. */
export const DOCUMENT_SELECTOR = [...LANGUAGES.map((language) => ({ language })), ...FILTERS];

type ClientSelector = NonNullable<LanguageClientOptions["documentSelector"]>;

/** The documents one folder's server reads: the selector's, under that folder, or all of them. The pattern is the
 * folder's path as a glob (always with `/`, which VS Code's matching takes on Windows too), as in VS Code's
 * multi-server sample. */
export function selectorFor(folderPath: string | undefined): ClientSelector {
  if (folderPath === undefined) return DOCUMENT_SELECTOR;
  const base = folderPath.replace(/\\/g, "/").replace(/\/$/, "");
  return DOCUMENT_SELECTOR.map((filter) => ({ ...filter, pattern: `${base}/${("pattern" in filter && filter.pattern) || "**/*"}` }));
}

/** Typed calls to the server's commands. */
export interface ServerCommands {
  execute<K extends keyof CommandMap>(command: K, args: CommandMap[K]["args"]): Promise<CommandMap[K]["answer"]>;
}

export interface StartOptions {
  interpreter: string[];
  settings: Settings;
  trusted: boolean;
  extensionPath: string;
  log: Log;
  createCommand: string; // our palette command: the server's code action is routed through it (token to clipboard)
  selector: ClientSelector; // the documents this server reads (one folder's, in a multi-root workspace)
  workspaceFolder: { uri: import("vscode").Uri; name: string; index: number } | undefined;
  onStopped: () => void;
  onStatusChanged: (change: StatusChanged) => void; // the project's server stopped answering, or answers again
  /** The settings the server sees for a folder (or the workspace): the client answers `workspace/configuration`
   * itself, so that a repository's `infisical.apiUrl` never reaches the server. */
  configuration: (scopeUri: string | undefined) => Record<string, unknown>;
}

const NOT_INSTALLED = "Is infisical-tokens installed for that Python? See Show Logs.";

/** The extension says what went wrong, once, with its own buttons; the client's errors go to the log only (it
 * would otherwise add a toast of its own, which no option turns off, to each of ours). */
class QuietLanguageClient extends LanguageClient {
  override error(message: string, data?: unknown, _showNotification?: boolean | "force"): void {
    // the client calls every exit an error, even the clean one of a stop or restart asked for
    if (message === "Server process exited with code 0.") super.info(message, data, false);
    else super.error(message, data, false);
  }
}

export class Server implements ServerCommands {
  private client: LanguageClient | undefined;

  get running(): boolean {
    return this.client !== undefined;
  }

  async start(options: StartOptions): Promise<string | undefined> {
    const bundled = path.join(options.extensionPath, "bundled", "libs");
    const process = serverProcess(options.interpreter, options.settings, bundled, { ...globalThis.process.env });
    const serverOptions: ServerOptions = { command: process.command, args: process.args, options: { env: process.env } };
    const clientOptions: LanguageClientOptions = {
      documentSelector: options.selector,
      workspaceFolder: options.workspaceFolder,
      outputChannel: options.log.channel,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: initializationOptions(options.settings, options.trusted),
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue }),
        closed: () => {
          this.client = undefined;
          if (started) options.onStopped(); // (a server that dies while starting is reported by start's answer)
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
      initializationFailedHandler: () => false, // stop; start's answer says why (no toast of the client's own)
      middleware: {
        workspace: {
          configuration: (params) => params.items.map((item) => (item.section === "infisical" ? options.configuration(item.scopeUri) : null)),
        },
        provideCodeActions: async (document, range, ctx, token, next) => {
          const actions = (await next(document, range, ctx, token)) ?? [];
          for (const action of actions) {
            const command = "command" in action && typeof action.command === "object" ? action.command : undefined;
            if (command?.command === CREATE) command.command = options.createCommand;
          }
          return actions;
        },
      },
    };
    let started = false;
    const client = new QuietLanguageClient("infisical", "Infisical", serverOptions, clientOptions);
    client.onNotification(STATUS_CHANGED, options.onStatusChanged);
    options.log.info(`Starting the language server: ${shown([process.command, ...process.args])}`);
    try {
      await client.start();
      // a server that exits during initialize can leave start() resolved (the close is seen first)
      if (!client.isRunning()) throw new Error("the server exited while starting");
      started = true;
    } catch (err) {
      void client.dispose().catch(() => undefined);
      return `Could not start the Infisical language server with ${shown(options.interpreter)} (${err}). ${NOT_INSTALLED}`;
    }
    this.client = client;
    return undefined;
  }

  async stop(): Promise<void> {
    const running = this.client;
    this.client = undefined;
    if (running) await running.stop();
  }

  /** Tells the running server the settings changed (sent by us, not by the client's own synchronisation, which
   * would send every value as VS Code merged it, a repository's `infisical.apiUrl` included). */
  async configurationChanged(settings: Record<string, unknown>): Promise<void> {
    await this.client?.sendNotification("workspace/didChangeConfiguration", { settings: { infisical: settings } });
  }

  async execute<K extends keyof CommandMap>(command: K, args: CommandMap[K]["args"]): Promise<CommandMap[K]["answer"]> {
    if (!this.client) throw new Error("The Infisical language server is not running.");
    return this.client.sendRequest("workspace/executeCommand", { command, arguments: [args] });
  }
}

