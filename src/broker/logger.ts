/**
 * What the broker needs from a logger, so the library does not depend on one: pino's Logger
 * satisfies it as it is (the app and the CLI pass pino), and so would a thin adapter over any
 * other. Structured fields first, then the message, as pino takes them.
 */
export interface LogFn {
  (fields: object, message?: string): void;
  (message: string): void;
}

export interface BrokerLogger {
  fatal: LogFn;
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  trace: LogFn;
  /** A logger that adds `bindings` to every line (the broker tags its parts with `subsystem`). */
  child(bindings: Record<string, unknown>): BrokerLogger;
}

const ignore: LogFn = () => {};

/** For a broker started without a logger: a library does not write to stdout on its own. */
export const silentLogger: BrokerLogger = {
  fatal: ignore,
  error: ignore,
  warn: ignore,
  info: ignore,
  debug: ignore,
  trace: ignore,
  child: () => silentLogger,
};
