// When the Python server is worth starting. The extension activates on the languages the server reads (cheap:
// JavaScript only), but starts a Python process only in a workspace with an `.infisical.json`, or once an open
// file of those languages holds an `infisical` command. No `vscode` import: tested directly.

/** The program of an `infisical`, `infisical-tokens`, `%infisical`, `!infisical` or `/path/to/infisical` command line
 * (a looser cousin of core/snippets.py's pattern: it only decides whether to start the server). */
const COMMAND = /(?<![\w.-])infisical(?:-tokens)?(?=[ \t]|\\\r?\n)/;

/** Whether a document's text may hold a command the server would check. */
export function mentionsCommand(text: string): boolean {
  return COMMAND.test(text);
}

/** The project file whose presence in a workspace starts the server (as `workspaceContains` does the activation). */
export const PROJECT_FILE_GLOB = "**/.infisical.json";

/** Why the server waits, shown in the log while it does. */
export const IDLE_REASON =
  "The language server starts once this workspace has an .infisical.json, or an open file holds an infisical command.";
