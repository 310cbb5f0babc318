import type { Request, RequestHandler } from 'express';
import { doubleCsrf } from 'csrf-csrf';

export interface Csrf {
  /** Rejects unsafe methods without a valid token (403, code EBADCSRFTOKEN). */
  protect: RequestHandler;
  /** Puts a token into res.locals.csrfToken for the forms of the page being rendered. */
  provideToken: RequestHandler;
}

/**
 * Double-submit cookie (csrf-csrf): an HMAC token in an httpOnly cookie that must be echoed in the
 * form field `_csrf` (or the `x-csrf-token` header).
 *
 * JSON API exemption: a request whose Content-Type is application/json is not checked. Browsers
 * cannot send that content type cross-site without a CORS preflight, and this app answers no
 * preflights (no CORS headers), so a foreign page cannot forge such a request. Any other content
 * type, including the `text/plain` a cross-site form can send, is checked like a form post.
 */
export function createCsrf(opts: { secret: string; secure: boolean }): Csrf {
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => opts.secret,
    getSessionIdentifier: (req) => String(req.res?.locals.clientId ?? ''),
    cookieName: opts.secure ? '__Host-kwd.csrf' : 'kwd.csrf',
    cookieOptions: { sameSite: 'strict', path: '/', secure: opts.secure, httpOnly: true },
    getCsrfTokenFromRequest: (req: Request) =>
      req.is('application/x-www-form-urlencoded') ? (req.body as Record<string, unknown> | undefined)?._csrf as string | undefined : req.headers['x-csrf-token'],
    skipCsrfProtection: (req) => req.path.startsWith('/api/') && req.is('application/json') === 'application/json',
  });
  return {
    protect: doubleCsrfProtection,
    provideToken: (req, res, next) => {
      res.locals.csrfToken = generateCsrfToken(req, res);
      next();
    },
  };
}
