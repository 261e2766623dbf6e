// One output channel for the extension and its server; nothing token-shaped is written to it.
import type * as vscode from "vscode";

const SECRET = /st\.[\w-]+\.[0-9a-f]{16,}(?:\.[0-9a-f]+)?|eyJ[\w-]+\.[\w-]+\.[\w-]+/g;

export function redact(text: string): string {
  return text.replace(SECRET, "<redacted>");
}

export class Log {
  constructor(readonly channel: vscode.OutputChannel) {}

  info(text: string): void {
    this.channel.appendLine(redact(text));
  }

  show(): void {
    this.channel.show();
  }
}
