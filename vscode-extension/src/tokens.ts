// Rotate and audit from the palette. The new token goes to the clipboard only; the server does the work (the
// same rotate and audit workflows as the command line), the extension only picks, confirms and presents.
import * as vscode from "vscode";
import type { ServerCommands } from "./common/server";
import { AUDIT, DELETE, type FindingJson, LIST_TOKENS, ROTATE } from "./common/protocol";

/** A token of the project the person picks (``title`` says what for); undefined when cancelled or refused. */
export async function pickToken(server: ServerCommands, uri: string | undefined, title: string): Promise<string | undefined> {
  const listed = await server.execute(LIST_TOKENS, { uri });
  if (!listed.ok || !listed.tokens) {
    void vscode.window.showErrorMessage(`Infisical: ${listed.message ?? "the tokens could not be listed"}`);
    return undefined;
  }
  if (listed.tokens.length === 0) {
    void vscode.window.showInformationMessage("Infisical: this project has no service tokens.");
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    listed.tokens.map((t) => ({
      label: t.name || t.id,
      description: t.scopes.map((s) => `${s.environment}:${s.secretPath}`).join(", "),
      detail: `${t.id} · ${t.permissions.join(", ")} · expires ${t.expiresAt ?? "never"}`,
      id: t.id,
    })),
    { title },
  );
  return picked?.id;
}

/** Rotate the token with ``tokenId``, or one the person picks from the project's tokens. */
export async function rotateFlow(server: ServerCommands, uri: string | undefined, tokenId?: string): Promise<boolean> {
  const id = tokenId ?? (await pickToken(server, uri, "Rotate Service Token: which token?"));
  if (!id) return false;
  const answer = await server.execute(ROTATE, { uri, tokenId: id });
  if (!answer.ok || typeof answer.token !== "string") {
    void vscode.window.showErrorMessage(`Infisical: ${answer.message ?? "the token was not rotated"}`);
    return false;
  }
  await vscode.env.clipboard.writeText(answer.token);
  const finish = answer.oldDeleted ? "" : ` ${answer.message ?? ""}`;
  void vscode.window.showInformationMessage(
    `Service token '${answer.name}' rotated: the new token is on the clipboard (${answer.masked}).${finish}`,
  );
  return true;
}

const ICONS: Record<string, string> = { error: "$(error)", warning: "$(warning)", info: "$(info)" };

/** List the findings; on the one picked, offer Rotate, Delete and Copy ID. */
export async function auditFlow(server: ServerCommands, uri: string | undefined): Promise<void> {
  const report = await server.execute(AUDIT, { uri });
  if (!report.ok || !report.findings) {
    void vscode.window.showErrorMessage(`Infisical: ${report.message ?? "the audit failed"}`);
    return;
  }
  if (report.findings.length === 0) {
    void vscode.window.showInformationMessage(`Infisical: no findings over ${report.tokens ?? 0} service token(s).`);
    return;
  }
  const picked = await vscode.window.showQuickPick(
    report.findings.map((f) => ({
      label: `${ICONS[f.severity] ?? ""} ${f.tokenName || f.tokenId}: ${f.message}`,
      description: f.code,
      detail: f.hint,
      finding: f,
    })),
    { title: `Audit Service Tokens: ${report.findings.length} finding(s) over ${report.tokens} token(s)` },
  );
  if (!picked) return;
  await act(server, uri, picked.finding);
}

async function act(server: ServerCommands, uri: string | undefined, finding: FindingJson): Promise<void> {
  const action = await vscode.window.showQuickPick(["Rotate", "Delete", "Copy ID"], {
    title: `${finding.tokenName} (${finding.tokenId})`,
  });
  if (action === "Rotate") {
    await rotateFlow(server, uri, finding.tokenId);
  } else if (action === "Copy ID") {
    await vscode.env.clipboard.writeText(finding.tokenId);
  } else if (action === "Delete") {
    const sure = await vscode.window.showWarningMessage(
      `Delete service token '${finding.tokenName}' (${finding.tokenId})? This cannot be undone.`,
      { modal: true },
      "Delete",
    );
    if (sure !== "Delete") return;
    const answer = await server.execute(DELETE, { uri, tokenId: finding.tokenId });
    const show = answer.ok ? vscode.window.showInformationMessage : vscode.window.showErrorMessage;
    void show(`Infisical: ${answer.message ?? ""}`);
  }
}
