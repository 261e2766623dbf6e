import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("vscode", () => import("./vscode.mock"));

import { askForRequest, createServiceToken } from "../src/create";
import type { ServerCommands } from "../src/common/server";
import { resetUi, state } from "./vscode.mock";

const TOKEN = "st.00000000-0000-0000-0000-000000000000.fake-secret-part.fake-random-part";

function fakeServer(answer: any): ServerCommands & { calls: [string, unknown][] } {
  const calls: [string, unknown][] = [];
  return {
    calls,
    async execute(command: string, args: unknown): Promise<any> {
      calls.push([command, args]);
      if (command === "infisical.server.listEnvironments") return { online: true, environments: [{ slug: "dev", name: "Development" }, { slug: "prod", name: "Production" }] };
      if (command === "infisical.server.listFolders") return { online: true, folders: ["/", "/backend", "/backend/api"] };
      return answer;
    },
  };
}

beforeEach(resetUi);

describe("create flow", () => {
  it("asks for environments, paths, access, expiry and name", async () => {
    state.quickPicks = [[{ label: "dev" }, { label: "prod" }], { label: "/backend/**" }, { label: "/" }, [{ label: "read" }, { label: "write" }], { label: "7 days", seconds: 604800 }];
    state.inputs = ["ci-token"];
    const server = fakeServer(undefined);
    const request = await askForRequest(server, "file:///w/deploy.sh");
    expect(request).toEqual({ uri: "file:///w/deploy.sh", scopes: ["dev:/backend/**", "prod:/"], accessLevels: ["read", "write"], expirySeconds: 604800, name: "ci-token" });
    expect(server.calls.map((c) => c[0])).toEqual(["infisical.server.listEnvironments", "infisical.server.listFolders", "infisical.server.listFolders"]);
  });

  it("stops when the person cancels", async () => {
    state.quickPicks = [undefined];
    expect(await askForRequest(fakeServer(undefined), undefined)).toBeUndefined();
  });

  it("copies the token to the clipboard and shows it masked only", async () => {
    const server = fakeServer({ ok: true, token: TOKEN, name: "ci-token", masked: "st.0000…****" });
    expect(await createServiceToken(server, { scopes: ["dev:/"], accessLevels: ["read"] })).toBe(true);
    expect(state.clipboard).toBe(TOKEN);
    expect(state.info).toHaveLength(1);
    expect(state.info[0]).toContain("copied to the clipboard");
    expect(state.info[0]).toContain("(st.0000…****)"); // the server's mask, the one every face shows
    expect(state.info[0]).not.toContain(TOKEN);
    expect(state.info[0]).not.toContain("fake-secret-part");
    expect(server.calls[0]).toEqual(["infisical.server.createServiceToken", { scopes: ["dev:/"], accessLevels: ["read"] }]);
  });

  it("reports a refusal and touches nothing", async () => {
    const server = fakeServer({ ok: false, message: "Environment 'nope' does not exist" });
    expect(await createServiceToken(server, { scopes: ["nope:/"], accessLevels: ["read"] })).toBe(false);
    expect(state.clipboard).toBe("");
    expect(state.errors[0]).toContain("Environment 'nope' does not exist");
  });
});
