import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import { LogThrottle, type Logger } from '../../logger.js';

/**
 * One log line per request. Serializers are narrowed on purpose: the defaults would log the
 * Cookie and Set-Cookie headers, i.e. CSRF and session tokens.
 */
export function requestLog(logger: Logger): RequestHandler {
  const log = logger.child({ component: 'http' });
  // Refused requests (400, 403, 413, 429, ...) are warnings, but a client can make thousands a
  // second; beyond a few per status and window they are counted into one summary line.
  const throttle = new LogThrottle();
  const refused = (status: number) => (throttle.admit(log, 'warn', `http-${status}`, `requests answered ${status}`) ? 'warn' : 'silent');
  return pinoHttp({
    logger: log,
    // Static files, probe endpoints and scrapes (polled every few seconds) would drown the useful
    // lines; so would the group view's own polling of /api/cluster.
    autoLogging: { ignore: (req) => /^\/(vendor|static)\/|^\/(healthz|readyz|metrics)(\?|$)|^\/api\/cluster(\?|$)/.test(req.url ?? '') },
    // 503 is an expected answer while Kafka is down, reported by the services already.
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
      res.statusCode === 503 ? refused(503) : err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? refused(res.statusCode) : 'info',
    serializers: {
      req: (req: { id?: unknown; method?: string; url?: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  }) as unknown as RequestHandler;
}
