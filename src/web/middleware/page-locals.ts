import type { RequestHandler } from 'express';
import type { FailureStatus } from '../../kafka/failure-switch.js';

/** Locals every page template uses, and no caching of pages that embed CSRF tokens. */
export function pageLocals(opts: {
  instanceId: () => string;
  groupId: () => string;
  failure: () => FailureStatus;
  topic: string;
  showStack: boolean;
}): RequestHandler {
  return (req, res, next) => {
    res.locals.currentPath = req.path;
    res.locals.instanceId = opts.instanceId();
    // The navbar must render even when a status provider fails (the error page uses it too).
    try {
      res.locals.groupId = opts.groupId();
      res.locals.failure = opts.failure();
    } catch {
      // left unset; templates read them through `locals.`
    }
    res.locals.topic = opts.topic;
    res.locals.showStack = opts.showStack;
    res.set('Cache-Control', 'no-store');
    next();
  };
}
