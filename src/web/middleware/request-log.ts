import type { RequestHandler } from 'express';
import { LogThrottle, type Logger } from '../../logger.js';

type Level = 'info' | 'warn' | 'error';

/**
 * One log line per request, written when the response is done, with only method, url, remote
 * address, status and time: never headers, so the Cookie and Set-Cookie values (CSRF and session
 * tokens) cannot reach the log.
 *
 * Written here rather than with pino-http: that builds a child logger and its serializers for
 * every request even when the line is then dropped, which the web benchmark's profile showed at
 * ~8 % of the produce path's CPU, and the objects it leaves live across the Kafka round trip were a
 * good part of what got promoted to the old generation under load.
 */
export function requestLog(logger: Logger): RequestHandler {
  const log = logger.child({ component: 'http' });
  // Refused requests (400, 403, 413, 429, ...) are warnings, but a client can make thousands a
  // second; beyond a few per status and window they are counted into one summary line.
  const throttle = new LogThrottle();
  const refused = (status: number): Level | undefined => (throttle.admit(log, 'warn', `http-${status}`, `requests answered ${status}`) ? 'warn' : undefined);
  // 503 is an expected answer while Kafka is down, reported by the services already.
  const levelOf = (status: number): Level | undefined => (status === 503 ? refused(503) : status >= 500 ? 'error' : status >= 400 ? refused(status) : 'info');
  let nextId = 0;
  return (req, res, next) => {
    // Static files, probe endpoints and scrapes (polled every few seconds) would drown the useful
    // lines; so would the group view's own polling of /api/cluster.
    if (QUIET.test(req.url)) return next();
    const started = process.hrtime.bigint();
    const id = ++nextId;
    res.once('close', () => {
      const completed = res.writableFinished;
      // A client that hangs up early can do so as often as it likes, too.
      const level = completed ? levelOf(res.statusCode) : throttle.admit(log, 'warn', 'http-aborted', 'requests aborted by the client') ? 'warn' : undefined;
      if (!level || !log.isLevelEnabled(level)) return;
      const responseTime = Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100;
      log[level](
        { req: { id, method: req.method, url: req.originalUrl, remoteAddress: req.socket.remoteAddress }, res: { statusCode: res.statusCode }, responseTime },
        completed ? 'request completed' : 'request aborted',
      );
    });
    next();
  };
}

const QUIET = /^\/(vendor|static)\/|^\/(healthz|readyz|metrics)(\?|$)|^\/api\/cluster(\?|$)/;
