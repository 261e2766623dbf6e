// Answers picomatch questions for the differential test: one JSON request per stdin line,
// one JSON answer per stdout line. Options are the server's: {strictSlashes: false}.
import picomatch from "picomatch";
import { createInterface } from "node:readline";

export const OPTIONS = { strictSlashes: false };

export function ask(glob, path) {
  const isGlob = picomatch.scan(glob).isGlob; // the server's test for a pinned token
  let compiled;
  try {
    compiled = picomatch.makeRe(glob, OPTIONS, false, true);
  } catch (err) {
    return { throws: String(err.message), isGlob };
  }
  const valid = compiled.source !== "$^";
  const state = compiled.state;
  let match;
  try {
    match = picomatch.isMatch(path, glob, OPTIONS);
  } catch (err) {
    return { throws: String(err.message), isGlob };
  }
  return { isGlob, output: state.output, negated: Boolean(state.negated), valid, match };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rl = createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    const { glob, path } = JSON.parse(line);
    process.stdout.write(JSON.stringify(ask(glob, path)) + "\n");
  });
}
