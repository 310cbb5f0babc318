import { Router } from 'express';
import { isLocale } from '../../i18n/index.js';
import { LANG_COOKIE } from '../middleware/i18n.js';

/** Only same-site paths: `//evil.example` or `/\evil` would turn this into an open redirect. */
export function safeLocalPath(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return '/';
  return next;
}

export function langRoutes(opts: { secure: boolean }): Router {
  const router = Router();
  router.get('/lang/:locale', (req, res) => {
    const { locale } = req.params;
    if (isLocale(locale)) {
      res.cookie(LANG_COOKIE, locale, { httpOnly: true, sameSite: 'lax', secure: opts.secure, path: '/', maxAge: 365 * 24 * 3600 * 1000 });
    }
    res.redirect(303, safeLocalPath(req.query.next));
  });
  return router;
}
