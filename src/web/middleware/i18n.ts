import type { RequestHandler } from 'express';
import { isLocale, negotiateLocale, translator } from '../../i18n/index.js';

export const LANG_COOKIE = 'kwd.lang';

/** Language: the navbar switch's cookie if set, else Accept-Language. */
export function i18n(): RequestHandler {
  return (req, res, next) => {
    const chosen: unknown = req.cookies?.[LANG_COOKIE];
    const locale = isLocale(chosen) ? chosen : negotiateLocale(req.headers['accept-language']);
    res.locals.locale = locale;
    res.locals.t = translator(locale);
    res.vary('Accept-Language');
    next();
  };
}
