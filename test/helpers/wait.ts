/**
 * Waiting on a condition instead of sleeping: `fn` is polled until it returns something other
 * than undefined, null or false, and that value is returned, so a test waits for and then asserts
 * one observation. Errors thrown by `fn` count as "not yet" and the last one is reported on timeout.
 * `what` may be a function, called only on timeout, to report the state the test saw last.
 *
 *   const row = await waitFor('the message on /consume', async () => (await page()).includes('hello') || undefined);
 */
export type Ready<T> = Exclude<T, undefined | null | false>;

export async function waitFor<T>(what: string | (() => string), fn: () => Promise<T> | T, timeoutMs = 30_000, everyMs = 100): Promise<Ready<T>> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v !== undefined && v !== null && v !== false) return v as Ready<T>;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}${last ? ` (last error: ${String(last)})` : ''}`);
}
