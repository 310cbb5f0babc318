/**
 * Open-loop pacing: call `fire(i)` at start + i * (1000 / rate) ms for `durationMs`, without
 * waiting for earlier calls to finish, so a slow response delays nothing after it (a closed loop
 * would hide latency by sending less). Resolves once every call has been started.
 */
export function paced(rate: number, durationMs: number, fire: (i: number) => void): Promise<number> {
  const interval = 1000 / rate;
  const total = Math.floor((durationMs / 1000) * rate);
  const start = performance.now();
  let i = 0;
  return new Promise((resolvePaced) => {
    const tick = () => {
      const now = performance.now();
      while (i < total && start + i * interval <= now) fire(i++);
      if (i >= total) {
        resolvePaced(total);
        return;
      }
      setTimeout(tick, Math.max(0, start + i * interval - performance.now()));
    };
    tick();
  });
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable within one process. */
export const nowMs = () => performance.timeOrigin + performance.now();
