import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Translate } from '../../i18n/index.js';

/** Probes and scrapes must never be refused: a 429 there would take a healthy instance out. */
const EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);

const wantsJson = (req: Request) => req.path.startsWith('/api/');

/**
 * Limits POST requests (the produce form and API, every /cluster and /api control) per client
 * address: `max` per `windowMs`, in memory per instance. Reads are not limited; they are cheap
 * and the live pages poll. Over the limit a client gets 429 with Retry-After (JSON under /api,
 * a short page otherwise). `max = 0` turns the limiter off.
 *
 * The key is the socket's address: the app does not enable Express's `trust proxy`, so behind a
 * reverse proxy every client shares the proxy's budget; raise the limit there or limit at the proxy.
 */
export function postRateLimit(opts: { max: number; windowMs: number }): RequestHandler {
  if (opts.max === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: opts.windowMs,
    limit: opts.max,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skip: (req) => req.method !== 'POST' || EXEMPT.has(req.path),
    // The check that warns about X-Forwarded-For without `trust proxy` writes to the console on
    // the first such request; the decision above is deliberate, so it is switched off.
    validate: { xForwardedForHeader: false },
    handler: (req, res, _next, options) => {
      const t = res.locals.t as Translate | undefined;
      const message = t ? t('error.429.body') : 'Too many requests; try again later.';
      res.status(options.statusCode);
      if (wantsJson(req)) {
        res.json({ error: 'rate_limited', message });
        return;
      }
      res.render('error', { status: options.statusCode, heading: 'error.429.heading', body: 'error.429.body', params: {}, stack: undefined }, (err: Error | null, html?: string) => {
        if (err || html === undefined) res.type('text/plain').send(message);
        else res.send(html);
      });
    },
  });
}
