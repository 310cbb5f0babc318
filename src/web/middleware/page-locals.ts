import type { RequestHandler } from 'express';

/** Locals every page template uses, and no caching of pages that embed CSRF tokens. */
export function pageLocals(opts: { instanceId: () => string; topic: string; showStack: boolean }): RequestHandler {
  return (req, res, next) => {
    res.locals.currentPath = req.path;
    res.locals.instanceId = opts.instanceId();
    res.locals.topic = opts.topic;
    res.locals.showStack = opts.showStack;
    res.set('Cache-Control', 'no-store');
    next();
  };
}
