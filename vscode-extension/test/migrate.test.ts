import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("vscode", () => import("./vscode.mock"));

import { migrateFlow } from "../src/migrate";
import type { ServerCommands } from "../src/common/server";
import * as vscode from "vscode";
import { resetUi, state } from "./vscode.mock";

const SECRET = "a1b2" + "c".repeat(60);
const TOKENS = [{ id: "aaaa-1", name: "ci", projectId: "p", scopes: [{ environment: "dev", secretPath: "/backend" }], permissions: ["read"], expiresAt: null, lastUsed: null, createdAt: null, createdBy: null }];
const PREVIEW = {
  ok: true,
  preview: "Dry run: nothing was sent.",
  differences: ["'ci' is pinned to dev:/backend: … Clients must now pass --env=dev --path=/backend"],
  identityName: "ci",
  ci: [],
};
const DONE = {
  ok: true,
  identityId: "id-1",
  identityName: "ci",
  clientId: "client-1",
  clientSecret: SECRET,
  masked: "a1b2…****",
  ci: ["export INFISICAL_TOKEN=$(infisical login …)", "infisical export --projectId=p --env=dev --path=/backend"],
  tokenDeleted: false,
  deleteByClient: true,
};

function fakeServer(answers: Record<string, any[]>): ServerCommands & { calls: [string, any][]; clipboards: string[] } {
  const calls: [string, any][] = [];
  const clipboards: string[] = []; // what the clipboard held as each request was sent
  return {
    calls,
    clipboards,
    async execute(command: string, args: unknown): Promise<any> {
      calls.push([command, args]);
      clipboards.push(state.clipboard);
      return answers[command].shift();
    },
  };
}

beforeEach(resetUi);

describe("migrate", () => {
  it("shows what differs before anything, then puts only the client secret on the clipboard", async () => {
    state.quickPicks = [{ id: "aaaa-1" }];
    state.warningAnswers = ["Migrate and Delete the Token"];
    const server = fakeServer({
      "infisical.server.listTokens": [{ ok: true, tokens: TOKENS }],
      "infisical.server.migrateServiceToken": [PREVIEW, DONE],
      "infisical.server.deleteServiceToken": [{ ok: true, message: "Deleted service token 'ci' (aaaa-1)." }],
    });
    expect(await migrateFlow(server, "file:///w/a.sh")).toBe(true);
    expect(server.calls).toEqual([
      ["infisical.server.listTokens", { uri: "file:///w/a.sh" }],
      ["infisical.server.migrateServiceToken", { uri: "file:///w/a.sh", tokenId: "aaaa-1", dryRun: true }],
      ["infisical.server.migrateServiceToken", { uri: "file:///w/a.sh", tokenId: "aaaa-1", deleteToken: true }],
      ["infisical.server.deleteServiceToken", { uri: "file:///w/a.sh", tokenId: "aaaa-1" }],
    ]);
    // the secret was on the clipboard before the delete was sent
    expect(server.clipboards[3]).toBe(SECRET);
    expect(state.info[0]).toContain("The service token was deleted.");
    expect(state.warnings[0]).toContain("machine identity 'ci'");
    expect(state.clipboard).toBe(SECRET);
    expect(state.info[0]).toContain("client-1");
    expect(state.info[0]).toContain("(a1b2…****)");
    expect(state.info[0]).toContain("--env=dev --path=/backend");
    expect([...state.info, ...state.warnings, ...state.errors].join("\n")).not.toContain(SECRET);
  });

  it("creates nothing when the person does not confirm", async () => {
    state.warningAnswers = [undefined];
    const server = fakeServer({ "infisical.server.migrateServiceToken": [PREVIEW] });
    expect(await migrateFlow(server, undefined, "aaaa-1")).toBe(false);
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0][1].dryRun).toBe(true);
    expect(state.clipboard).toBe("");
  });

  it("migrates without a delete when the person chose Migrate only", async () => {
    state.warningAnswers = ["Migrate"];
    const server = fakeServer({ "infisical.server.migrateServiceToken": [PREVIEW, { ...DONE, deleteByClient: false }] });
    expect(await migrateFlow(server, undefined, "aaaa-1")).toBe(true);
    expect(server.calls.map((c) => c[0])).not.toContain("infisical.server.deleteServiceToken");
    expect(state.clipboard).toBe(SECRET);
    expect(state.info[0]).not.toContain("deleted");
  });

  it("says why when the server refuses or a step failed, and touches the clipboard not", async () => {
    state.warningAnswers = ["Migrate"];
    const failed = { ok: false, message: "Unable to migrate …: could not log in with the new client secret … nothing remains." };
    const server = fakeServer({ "infisical.server.migrateServiceToken": [PREVIEW, failed] });
    expect(await migrateFlow(server, undefined, "aaaa-1")).toBe(false);
    expect(state.errors[0]).toContain("nothing remains");
    expect(state.clipboard).toBe("");
    const refused = fakeServer({ "infisical.server.migrateServiceToken": [{ ok: false, message: "has expired" }] });
    expect(await migrateFlow(refused, undefined, "aaaa-1")).toBe(false);
    expect(state.errors[1]).toContain("has expired");
  });

  it("lists what has no exact equivalent once, as the preview text says it", async () => {
    state.warningAnswers = [undefined];
    const preview = { ...PREVIEW, preview: "Dry run: nothing was sent.\nNo exact equivalent:\n  - 'ci' is pinned to dev:/backend" };
    const server = fakeServer({ "infisical.server.migrateServiceToken": [preview] });
    expect(await migrateFlow(server, undefined, "aaaa-1")).toBe(false);
    const calls = vi.mocked(vscode.window.showWarningMessage).mock.calls;
    const detail = (calls[calls.length - 1][1] as { detail: string }).detail;
    expect(detail.split("No exact equivalent").length - 1).toBe(1);
    expect(detail).toContain("pinned to dev:/backend");
  });

  it("says the token was not deleted, why, and the command that finishes, when the delete failed", async () => {
    state.warningAnswers = ["Migrate and Delete the Token"];
    const why = "500 Internal Server Error: Something went wrong";
    const server = fakeServer({
      "infisical.server.migrateServiceToken": [PREVIEW, DONE],
      "infisical.server.deleteServiceToken": [{ ok: false, message: why }],
    });
    expect(await migrateFlow(server, undefined, "aaaa-1")).toBe(true);
    expect(server.clipboards[2]).toBe(SECRET);
    expect(state.clipboard).toBe(SECRET);
    expect(state.info).toEqual([]);
    expect(state.warnings[1]).toContain("was NOT deleted");
    expect(state.warnings[1]).toContain(why);
    expect(state.warnings[1]).toContain("infisical-tokens service-token delete aaaa-1 --yes");
    expect(state.warnings[1]).not.toContain(SECRET);
  });

  it("reports a delete request that fails outright (the connection lost) with the command", async () => {
    state.warningAnswers = ["Migrate and Delete the Token"];
    const server = fakeServer({ "infisical.server.migrateServiceToken": [PREVIEW, DONE] });
    const execute = server.execute.bind(server);
    server.execute = (async (command: string, args: any) => {
      if (command === "infisical.server.deleteServiceToken") throw new Error("Connection got disposed.");
      return execute(command as any, args);
    }) as any;
    expect(await migrateFlow(server, undefined, "aaaa-1")).toBe(true);
    expect(state.clipboard).toBe(SECRET);
    expect(state.warnings[1]).toContain("Connection got disposed.");
    expect(state.warnings[1]).toContain("infisical-tokens service-token delete aaaa-1 --yes");
  });
});
