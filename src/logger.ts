import { pino, type Logger, type LevelWithSilent } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger };

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * `auto` is for people at a terminal: readable lines there, JSON lines anywhere else (a pipe, a
 * file, a container's log driver, CI), so what machines read stays parseable.
 */
export function prettyLogs(format: LogFormat, stdoutIsTTY = process.stdout.isTTY === true): boolean {
  return format === 'pretty' || (format === 'auto' && stdoutIsTTY);
}

export function createLogger(level: LevelWithSilent, bindings: Record<string, unknown> = {}, format: LogFormat = 'json'): Logger {
  const options = { level, base: { pid: process.pid, ...bindings } };
  if (!prettyLogs(format)) return pino(options);
  // pino-pretty as a synchronous stream on this thread, not as a worker-thread transport: the
  // last lines of a shutdown (or of a fatal start-up error followed by exit) are never lost.
  return pino(options, PinoPretty({ sync: true, colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
}

// The broker library's log throttle, so the app's repeated warnings are limited the same way.
export { LogThrottle, type LogThrottleOptions, type ThrottledLevel } from './broker/index.js';
