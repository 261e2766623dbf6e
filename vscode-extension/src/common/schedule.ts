// When work runs: once after a burst of calls, and never two at a time. No `vscode` import: tested directly.

/** Debounce: a burst of setting changes restarts the server once. */
export function debounce(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      fn();
    }, ms);
  };
}

/** Run `fn` one call at a time: a call made while one runs waits for it, and calls made meanwhile share that one
 * next run. Two restarts that overlapped left two servers, and the second failed with "command already exists". */
export function oneAtATime(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const run = (): Promise<void> => {
    running = fn().finally(() => {
      running = undefined;
    });
    return running;
  };
  return () => {
    if (!running) return run();
    next ??= running.then(
      () => undefined,
      () => undefined,
    ).then(() => {
      next = undefined;
      return run();
    });
    return next;
  };
}
