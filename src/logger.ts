import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** JSON lines on stdout; pretty printing is left to `| npx pino-pretty` so production output stays parseable. */
export function createLogger(level: LevelWithSilent, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { pid: process.pid, ...bindings } });
}

// The broker library's log throttle, so the app's repeated warnings are limited the same way.
export { LogThrottle, type LogThrottleOptions, type ThrottledLevel } from './broker/index.js';
