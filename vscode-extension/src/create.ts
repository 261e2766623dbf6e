// The "Create Service Token" flow: pick environments, paths, access and expiry from the server's catalog, ask the
// server to create, and put the token on the clipboard. The token is never logged, stored in settings or shown whole.
import * as vscode from "vscode";
import type { ServerCommands } from "./common/server";
import { CREATE, type CreateArgs, LIST_ENVIRONMENTS, LIST_FOLDERS } from "./common/protocol";

const EXPIRY = [
  { label: "1 hour", seconds: 3600 },
  { label: "1 day", seconds: 86400, picked: true },
  { label: "7 days", seconds: 604800 },
  { label: "30 days", seconds: 2592000 },
  { label: "90 days", seconds: 7776000 },
  { label: "Never expires", seconds: 0 },
];

/** Ask the person for everything a create needs; undefined when they cancel. */
export async function askForRequest(server: ServerCommands, uri: string | undefined): Promise<CreateArgs | undefined> {
  const listed = await server.execute(LIST_ENVIRONMENTS, { uri });
  const environments = listed?.environments ?? [];
  if (environments.length === 0) {
    void vscode.window.showWarningMessage("Infisical: no environments known (offline, or no project). Check Infisical: Show Logs.");
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    environments.map((e) => ({ label: e.slug, description: e.name })),
    { canPickMany: true, title: "Create Service Token: environments" },
  );
  if (!picked || picked.length === 0) return undefined;
  const scopes: string[] = [];
  for (const env of picked) {
    const folders = (await server.execute(LIST_FOLDERS, { uri, environment: env.label }))?.folders ?? [];
    const items = [
      { label: "/**", description: "every folder" },
      ...folders.filter((f) => f !== "/").map((f) => ({ label: `${f}/**`, description: `${f} and below` })),
      { label: "/", description: "the root folder only" },
    ];
    const path = await vscode.window.showQuickPick(items, { title: `Create Service Token: path in ${env.label}` });
    if (!path) return undefined;
    scopes.push(`${env.label}:${path.label}`);
  }
  const access = await vscode.window.showQuickPick(
    [
      { label: "read", picked: true },
      { label: "write", picked: false },
    ],
    { canPickMany: true, title: "Create Service Token: access" },
  );
  if (!access || access.length === 0) return undefined;
  const expiry = await vscode.window.showQuickPick(EXPIRY, { title: "Create Service Token: expires after" });
  if (!expiry) return undefined;
  const name = await vscode.window.showInputBox({ title: "Create Service Token: name", value: "Service token generated via VS Code" });
  if (name === undefined) return undefined;
  return { uri, scopes, accessLevels: access.map((a) => a.label), expirySeconds: expiry.seconds, name };
}

/** Send the request; on success the token goes to the clipboard and the notification shows the server's mask. */
export async function createServiceToken(server: ServerCommands, request: CreateArgs): Promise<boolean> {
  const result = await server.execute(CREATE, request);
  if (!result?.ok || typeof result.token !== "string") {
    void vscode.window.showErrorMessage(`Infisical: ${result?.message ?? "the service token was not created"}`);
    return false;
  }
  await vscode.env.clipboard.writeText(result.token);
  void vscode.window.showInformationMessage(
    `Service token '${result.name}' created and copied to the clipboard (${result.masked ?? "masked"}). It is not shown again.`,
  );
  return true;
}
