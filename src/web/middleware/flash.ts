import type { RequestHandler, Response } from 'express';
import type { MessageKey, Params } from '../../i18n/index.js';

export interface Flash {
  kind: 'success' | 'danger';
  key: MessageKey;
  params?: Params;
  /** A translated reason substituted for `{reason}` in the main text. */
  reason?: { key: MessageKey; params?: Params };
  /** Technical detail (e.g. the broker's error), shown as is, in small print. */
  detail?: string;
  /** Form values to restore after a failed send (only when small enough for a cookie). */
  values?: Record<string, string>;
  link?: { href: string; key: MessageKey };
}

const COOKIE = 'kwd.flash';
/** Browsers cap a cookie near 4 KB; stay well below so the signature and attributes fit. */
const MAX_COOKIE_VALUE = 3000;

/**
 * One-time messages across a POST/redirect/GET: a signed, short-lived cookie holding a message
 * key and parameters (translated when shown, so the language switch applies), read and cleared
 * by the next page render.
 */
export function setFlash(res: Response, flash: Flash, secure: boolean): void {
  // Measured after percent-encoding, which is what the cookie header carries.
  const tooBig = (s: string) => encodeURIComponent(s).length > MAX_COOKIE_VALUE;
  let json = JSON.stringify(flash);
  if (tooBig(json)) json = JSON.stringify({ ...flash, values: undefined });
  if (tooBig(json)) json = JSON.stringify({ ...flash, values: undefined, detail: flash.detail?.slice(0, 200) });
  if (tooBig(json)) json = JSON.stringify({ kind: flash.kind, key: flash.key, params: {}, reason: flash.reason });
  res.cookie(COOKIE, json, { signed: true, httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: 60_000 });
}

export function readFlash(): RequestHandler {
  return (req, res, next) => {
    res.locals.flash = undefined;
    const raw: unknown = req.signedCookies?.[COOKIE];
    if (req.method === 'GET' && raw !== undefined) {
      res.clearCookie(COOKIE, { path: '/' });
      if (typeof raw === 'string') {
        try {
          const parsed = JSON.parse(raw) as Flash;
          if (parsed && (parsed.kind === 'success' || parsed.kind === 'danger') && typeof parsed.key === 'string') {
            res.locals.flash = parsed;
          }
        } catch {
          // A malformed flash is dropped; it only ever carried a notice.
        }
      }
    }
    next();
  };
}
