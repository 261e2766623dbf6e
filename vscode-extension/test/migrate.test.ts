import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("vscode", () => import("./vscode.mock"));

import { migrateFlow } from "../src/migrate";
import type { ServerCommands } from "../src/common/server";
import * as vscode from "vscode";
import { state } from "./vscode.mock";

const SECRET = "a1b2" + "c".repeat(60);
const TOKENS = [{ id: "aaaa-1", name: "ci", scopes: ["dev:/backend"], permissions: ["read"], expiresAt: null, lastUsed: null }];
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
  tokenDeleted: true,
};

function fakeServer(answers: Record<string, any[]>): ServerCommands & { calls: [string, any][] } {
  const calls: [string, any][] = [];
  return {
    calls,
    async execute(command: string, args: unknown): Promise<any> {
      calls.push([command, args]);
      return answers[command].shift();
    },
  };
}

beforeEach(() => {
  state.clipboard = "";
  state.info = [];
  state.errors = [];
  state.warnings = [];
  state.quickPicks = [];
  state.warningAnswers = [];
});

describe("migrate", () => {
  it("shows what differs before anything, then puts only the client secret on the clipboard", async () => {
    state.quickPicks = [{ id: "aaaa-1" }];
    state.warningAnswers = ["Migrate and Delete the Token"];
    const server = fakeServer({
      "infisical.server.listTokens": [{ ok: true, tokens: TOKENS }],
      "infisical.server.migrateServiceToken": [PREVIEW, DONE],
    });
    expect(await migrateFlow(server, "file:///w/a.sh")).toBe(true);
    expect(server.calls.map((c) => c[1])).toEqual([
      { uri: "file:///w/a.sh" },
      { uri: "file:///w/a.sh", tokenId: "aaaa-1", dryRun: true },
      { uri: "file:///w/a.sh", tokenId: "aaaa-1", deleteToken: true },
    ]);
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

  it("says the token was not deleted, and why, when the delete failed", async () => {
    state.warningAnswers = ["Migrate and Delete the Token"];
    const why = "500 Internal Server Error: Something went wrong";
    const kept = {
      ...DONE,
      tokenDeleted: false,
      message: `Created machine identity 'ci' …\nThe service token could not be deleted: ${why}`,
    };
    const server = fakeServer({ "infisical.server.migrateServiceToken": [PREVIEW, kept] });
    expect(await migrateFlow(server, undefined, "aaaa-1")).toBe(true);
    expect(state.clipboard).toBe(SECRET);
    expect(state.info).toEqual([]);
    expect(state.warnings[1]).toContain("was NOT deleted");
    expect(state.warnings[1]).toContain(why);
    expect(state.warnings[1]).not.toContain(SECRET);
  });
});
