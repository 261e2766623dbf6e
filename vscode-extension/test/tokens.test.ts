import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("vscode", () => import("./vscode.mock"));

import * as vscode from "vscode";
import { auditFlow, rotateFlow } from "../src/tokens";
import type { ServerCommands } from "../src/common/server";
import { resetUi, state } from "./vscode.mock";

const NEW = "st.11111111-1111-1111-1111-111111111111.new-secret-part.new-random-part";
const TOKENS = [{ id: "aaaa-1", name: "ci", projectId: "p", scopes: [{ environment: "dev", secretPath: "/**" }], permissions: ["read"], expiresAt: null, lastUsed: null, createdAt: null, createdBy: null }];
const FINDING = { code: "token-never-expires", severity: "warning", tokenId: "aaaa-1", tokenName: "ci", message: "Never expires.", hint: "Rotate it." };

function fakeServer(answers: Record<string, any>): ServerCommands & { calls: [string, unknown][] } {
  const calls: [string, unknown][] = [];
  return {
    calls,
    async execute(command: string, args: unknown): Promise<any> {
      calls.push([command, args]);
      return answers[command];
    },
  };
}

beforeEach(resetUi);

describe("rotate", () => {
  it("picks a token, rotates it, and puts only the new token on the clipboard", async () => {
    state.quickPicks = [{ id: "aaaa-1" }];
    const server = fakeServer({
      "infisical.server.listTokens": { ok: true, tokens: TOKENS },
      "infisical.server.rotateServiceToken": { ok: true, token: NEW, masked: "st.1111…****", name: "ci", oldId: "aaaa-1", oldDeleted: true },
    });
    expect(await rotateFlow(server, "file:///w/a.sh")).toBe(true);
    expect(state.clipboard).toBe(NEW);
    const picked = vi.mocked(vscode.window.showQuickPick).mock.calls.at(-1)?.[0] as unknown as { description: string }[];
    expect(picked[0].description).toBe("dev:/**"); // the token's scopes, from its JSON form, as the command line writes them
    expect(state.info[0]).toContain("(st.1111…****)");
    expect(state.info[0]).not.toContain("new-secret-part");
    expect(server.calls.map((c) => c[0])).toEqual(["infisical.server.listTokens", "infisical.server.rotateServiceToken"]);
    expect(server.calls[1][1]).toEqual({ uri: "file:///w/a.sh", tokenId: "aaaa-1" });
  });

  it("says what is left to do when the old token could not be deleted", async () => {
    const server = fakeServer({
      "infisical.server.rotateServiceToken": { ok: true, token: NEW, masked: "m", name: "ci", oldId: "aaaa-1", oldDeleted: false, message: "Finish the rotation with: infisical-tokens service-token delete aaaa-1 --yes" },
    });
    expect(await rotateFlow(server, undefined, "aaaa-1")).toBe(true);
    expect(state.clipboard).toBe(NEW);
    expect(state.info[0]).toContain("service-token delete aaaa-1 --yes");
  });

  it("touches nothing when the person cancels or the server refuses", async () => {
    state.quickPicks = [undefined];
    const server = fakeServer({ "infisical.server.listTokens": { ok: true, tokens: TOKENS }, "infisical.server.rotateServiceToken": { ok: false, message: "no" } });
    expect(await rotateFlow(server, undefined)).toBe(false);
    expect(server.calls.map((c) => c[0])).toEqual(["infisical.server.listTokens"]);
    expect(await rotateFlow(server, undefined, "aaaa-1")).toBe(false);
    expect(state.clipboard).toBe("");
  });
});

describe("audit", () => {
  it("lists findings and copies a token's ID", async () => {
    state.quickPicks = [{ finding: FINDING }, "Copy ID"];
    const server = fakeServer({ "infisical.server.auditServiceTokens": { ok: true, findings: [FINDING], tokens: 1 } });
    await auditFlow(server, undefined);
    expect(state.clipboard).toBe("aaaa-1");
  });

  it("deletes only after a confirmation", async () => {
    const server = fakeServer({
      "infisical.server.auditServiceTokens": { ok: true, findings: [FINDING], tokens: 1 },
      "infisical.server.deleteServiceToken": { ok: true, message: "Deleted service token 'ci' (aaaa-1)." },
    });
    state.quickPicks = [{ finding: FINDING }, "Delete"];
    state.warningAnswers = [undefined];
    await auditFlow(server, undefined);
    expect(server.calls.map((c) => c[0])).toEqual(["infisical.server.auditServiceTokens"]);
    state.quickPicks = [{ finding: FINDING }, "Delete"];
    state.warningAnswers = ["Delete"];
    await auditFlow(server, undefined);
    expect(server.calls.at(-1)).toEqual(["infisical.server.deleteServiceToken", { uri: undefined, tokenId: "aaaa-1" }]);
    expect(state.info.at(-1)).toContain("Deleted service token 'ci'");
  });

  it("rotates from a finding", async () => {
    state.quickPicks = [{ finding: FINDING }, "Rotate"];
    const server = fakeServer({
      "infisical.server.auditServiceTokens": { ok: true, findings: [FINDING], tokens: 1 },
      "infisical.server.rotateServiceToken": { ok: true, token: NEW, masked: "m", name: "ci", oldId: "aaaa-1", oldDeleted: true },
    });
    await auditFlow(server, undefined);
    expect(state.clipboard).toBe(NEW);
  });
});
