// Migrate a service token to a machine identity from the palette. The server does the work (the same migrate
// workflow as the command line); the extension shows what differs before anything is created, asks, and puts
// the client secret on the clipboard only. The server never deletes the old token in a migrate: a lost answer
// would leave the token gone and the secret with nobody. The secret goes on the clipboard first, then (if asked)
// the extension sends the delete.
import * as vscode from "vscode";
import type { ServerCommands } from "./common/server";
import { DELETE, MIGRATE } from "./common/protocol";
import { pickToken } from "./tokens";

const MIGRATE_ONLY = "Migrate";
const MIGRATE_AND_DELETE = "Migrate and Delete the Token";

/** Pick a token, show the dry run's plan and differences, then migrate on the person's word. */
export async function migrateFlow(server: ServerCommands, uri: string | undefined, tokenId?: string): Promise<boolean> {
  const id = tokenId ?? (await pickToken(server, uri, "Migrate Service Token to Machine Identity: which token?"));
  if (!id) return false;
  const preview = await server.execute(MIGRATE, { uri, tokenId: id, dryRun: true });
  if (!preview.ok) {
    void vscode.window.showErrorMessage(`Infisical: ${preview.message ?? "the token cannot be migrated"}`);
    return false;
  }
  // the preview already lists what has no exact equivalent: the detail is that text alone
  const choice = await vscode.window.showWarningMessage(
    `Migrate service token ${id} to machine identity '${preview.identityName ?? ""}'?`,
    { modal: true, detail: preview.preview ?? "" },
    MIGRATE_ONLY,
    MIGRATE_AND_DELETE,
  );
  if (choice !== MIGRATE_ONLY && choice !== MIGRATE_AND_DELETE) return false;
  const answer = await server.execute(MIGRATE, { uri, tokenId: id, deleteToken: choice === MIGRATE_AND_DELETE });
  if (!answer.ok || typeof answer.clientSecret !== "string") {
    void vscode.window.showErrorMessage(`Infisical: ${answer.message ?? "the token was not migrated"}`);
    return false;
  }
  await vscode.env.clipboard.writeText(answer.clientSecret);
  const created =
    `Machine identity '${answer.identityName}' created: client ID ${answer.clientId}, the client secret is on the ` +
    `clipboard (${answer.masked}). CI: ${(answer.ci ?? []).join(" && ")}`;
  if (choice !== MIGRATE_AND_DELETE) {
    void vscode.window.showInformationMessage(created);
    return true;
  }
  // only now that the secret is on the clipboard may the old token go
  const deleted = await server
    .execute(DELETE, { uri, tokenId: id })
    .catch((err: unknown) => ({ ok: false, message: err instanceof Error ? err.message : String(err) }));
  if (!deleted.ok) {
    // say why (the server's words) and how to finish, not a plain success
    const why = deleted.message ?? "the server did not say why";
    void vscode.window.showWarningMessage(
      `${created} The service token was NOT deleted: ${why}. Delete it when nothing uses it: ` +
        `infisical-tokens service-token delete ${id} --yes`,
    );
    return true;
  }
  void vscode.window.showInformationMessage(`${created} The service token was deleted.`);
  return true;
}
