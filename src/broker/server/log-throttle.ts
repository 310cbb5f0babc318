/**
 * Rate limit for repeated log lines: per key, at most `burst` lines per `intervalMs`; the rest
 * are counted, and one summary line with `suppressed: N` follows at the end of the window. A
 * client that sends thousands of malformed frames then writes a handful of lines, not thousands;
 * the app uses the same class (exported by src/broker/index.ts) for what kafkajs repeats on every
 * retry during an outage.
 */
import type { BrokerLogger } from '../logger.js';

export type ThrottledLevel = 'warn' | 'info' | 'error';

interface Window {
  start: number;
  logged: number;
  suppressed: number;
  timer: NodeJS.Timeout | undefined;
}

export interface LogThrottleOptions {
  burst?: number;
  intervalMs?: number;
  now?: () => number;
}

export class LogThrottle {
  private readonly windows = new Map<string, Window>();
  private readonly burst: number;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(opts: LogThrottleOptions = {}) {
    this.burst = opts.burst ?? 5;
    this.intervalMs = opts.intervalMs ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** Logs now, or counts the line for the window's summary. Returns whether it was written. */
  log(logger: BrokerLogger, level: ThrottledLevel, key: string, fields: Record<string, unknown>, message: string): boolean {
    if (!this.admit(logger, level, key, message)) return false;
    logger[level](fields, message);
    return true;
  }

  /**
   * For callers that write the line themselves (the request log): true means "write it now"; false
   * means it was counted, and the window's summary (`message`, at `level`) will report it.
   */
  admit(logger: BrokerLogger, level: ThrottledLevel, key: string, message: string): boolean {
    const now = this.now();
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.intervalMs) {
      if (w) this.summarize(logger, level, key, w, message);
      // Keys are message texts, but a caller could still build many; forget the oldest.
      if (!w && this.windows.size >= 1000) this.windows.delete(this.windows.keys().next().value!);
      w = { start: now, logged: 0, suppressed: 0, timer: undefined };
      this.windows.set(key, w);
    }
    if (w.logged < this.burst) {
      w.logged++;
      return true;
    }
    w.suppressed++;
    if (!w.timer) {
      const window = w;
      window.timer = setTimeout(() => this.summarize(logger, level, key, window, message), this.intervalMs - (now - w.start));
      window.timer.unref();
    }
    return false;
  }

  private summarize(logger: BrokerLogger, level: ThrottledLevel, key: string, w: Window, message: string): void {
    clearTimeout(w.timer);
    w.timer = undefined;
    if (w.suppressed === 0) return;
    logger[level]({ suppressed: w.suppressed, windowMs: this.intervalMs }, `${message} (${w.suppressed} more like this suppressed)`);
    w.suppressed = 0;
    if (this.windows.get(key) === w) this.windows.delete(key);
  }
}


const perLogger = new WeakMap<object, LogThrottle>();

/** One throttle per broker (its root logger is shared by all of its connections). */
export function throttleFor(logger: object): LogThrottle {
  let t = perLogger.get(logger);
  if (!t) perLogger.set(logger, (t = new LogThrottle()));
  return t;
}
