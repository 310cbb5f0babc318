import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { LogThrottle, type Logger } from '../../logger.js';
import { translator, negotiateLocale, type MessageKey } from '../../i18n/index.js';

const wantsJson = (req: Request) => req.path.startsWith('/api/') || req.path === '/healthz' || req.path === '/readyz';

export function notFound(): RequestHandler {
  return (req, res) => {
    if (wantsJson(req)) {
      res.status(404).json({ error: 'not found' });
      return;
    }
    renderError(res, 404, 'error.404.heading', 'error.404.body', { path: req.path });
  };
}

interface HttpishError {
  status?: number;
  statusCode?: number;
  code?: string;
  type?: string;
  limit?: number;
  expose?: boolean;
  message?: string;
  stack?: string;
}

/**
 * Maps errors to pages (or JSON under /api). Expected client errors (bad CSRF token, body too
 * large, malformed JSON) get their own status and text; everything else is a logged 500 whose
 * details stay in the log unless NODE_ENV=development.
 */
export function errorHandler(opts: { logger: Logger; showStack: boolean; bodyLimit: number }): ErrorRequestHandler {
  // Client errors are whatever a client chooses to send, as often as it likes.
  const throttle = new LogThrottle();
  return (err: HttpishError, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const status = err.status ?? err.statusCode ?? 500;
    const t = res.locals.t ?? translator(negotiateLocale(req.headers['accept-language']));

    if (status >= 500) opts.logger.error({ err, url: req.originalUrl }, 'request failed');
    else throttle.log(opts.logger, 'warn', `${status}:${err.code ?? err.type}`, { status, code: err.code ?? err.type, url: req.originalUrl }, err.message ?? 'request refused');

    if (wantsJson(req)) {
      if (err.type === 'entity.too.large') {
        res.status(413).json({ errors: [{ field: 'body', message: t('validation.body.tooLarge', { limit: err.limit ?? opts.bodyLimit }) }] });
      } else if (err.type === 'entity.parse.failed') {
        res.status(400).json({ errors: [{ field: 'body', message: t('validation.body.invalid') }] });
      } else if (err.code === 'EBADCSRFTOKEN') {
        res.status(403).json({ error: 'invalid csrf token', hint: 'send Content-Type: application/json or an x-csrf-token header' });
      } else {
        res.status(status >= 400 && status < 600 ? status : 500).json({ error: status >= 500 ? 'internal error' : err.message ?? 'error' });
      }
      return;
    }

    if (err.code === 'EBADCSRFTOKEN') return renderError(res, 403, 'error.403.heading', 'error.403.body');
    if (err.type === 'entity.too.large') {
      return renderError(res, 413, 'error.413.heading', 'error.413.body', { limit: err.limit ?? opts.bodyLimit });
    }
    if (status >= 400 && status < 500) return renderError(res, status, 'error.400.heading', 'error.400.body');
    renderError(res, 500, 'error.500.heading', 'error.500.body', {}, opts.showStack ? err.stack : undefined);
  };
}

function renderError(
  res: Response,
  status: number,
  heading: MessageKey,
  body: MessageKey,
  params: Record<string, string | number> = {},
  stack?: string,
): void {
  res.status(status);
  res.render('error', { status, heading, body, params, stack }, (renderErr: Error | null, html?: string) => {
    if (renderErr || html === undefined) {
      // The error page itself failed (e.g. a broken template): plain text, never a stack.
      res.type('text/plain').send(`Error ${status}`);
      return;
    }
    res.send(html);
  });
}
