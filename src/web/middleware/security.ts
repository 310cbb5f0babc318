import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Security headers. The CSP allows scripts and styles from this origin only: the pages use no
 * inline script or style, Bootstrap is served from node_modules, and `data:` images cover the
 * SVG icons Bootstrap's CSS embeds.
 */
export function securityHeaders(opts: { secure: boolean }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        // The live pages' EventSource and fetch calls go to this origin only.
        'connect-src': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        // Over plain HTTP (local demo) upgrading would break every link and form.
        'upgrade-insecure-requests': opts.secure ? [] : null,
      },
    },
    strictTransportSecurity: opts.secure,
  });
}
