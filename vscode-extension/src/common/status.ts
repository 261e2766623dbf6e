// The language status item's text, from the server's typed status answer. No `vscode` import: tested directly.
import type { StatusAnswer } from "./protocol";

/** `whyOff`: why the extension chose not to start the server, or why it could not (kept until the next start). */
export function statusText(info: StatusAnswer | undefined, whyOff?: string): { text: string; detail: string } {
  if (!info && whyOff) return { text: "Infisical: off", detail: whyOff };
  if (!info) return { text: "Infisical: not running", detail: "The language server is not running." };
  const env = info.defaultEnvironment || Object.values(info.branchMapping ?? {})[0] || "no environment";
  const where = info.projectId ? env : "no project";
  // online with a reason: the server answers, but its rate limit (or a failed read) left folders partial or old
  const partial = info.reason?.startsWith("rate-limited") ? " (rate-limited)" : " (partial)";
  const state = info.online ? (info.reason ? partial : "") : info.reason?.startsWith("loading") ? " (loading)" : " (offline)";
  return {
    text: `Infisical: ${where}${state}`,
    detail: info.online && !info.reason ? `project ${info.projectId}` : info.reason ?? "offline",
  };
}
