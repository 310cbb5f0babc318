import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';

export const CLIENT_COOKIE = 'kwd.sid';

/**
 * A random, signed per-browser id. The app keeps no server-side sessions; this id only exists so
 * CSRF tokens are bound to one browser (csrf-csrf's "session identifier").
 */
export function clientSession(opts: { secure: boolean }): RequestHandler {
  return (req, res, next) => {
    const existing: unknown = req.signedCookies?.[CLIENT_COOKIE];
    if (typeof existing === 'string' && /^[a-f0-9]{32}$/.test(existing)) {
      res.locals.clientId = existing;
    } else if (req.path.startsWith('/api/')) {
      // The JSON API needs no CSRF binding (see csrf.ts), so scripts calling it in a loop do not
      // get a freshly signed cookie on every request.
      res.locals.clientId = '';
    } else {
      const id = randomBytes(16).toString('hex');
      res.cookie(CLIENT_COOKIE, id, { signed: true, httpOnly: true, sameSite: 'lax', secure: opts.secure, path: '/' });
      res.locals.clientId = id;
    }
    next();
  };
}
