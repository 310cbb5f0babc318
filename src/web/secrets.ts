import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger.js';

/**
 * Secrets only ever come from SESSION_SECRET / CSRF_SECRET. Without them the app still works,
 * with a random per-process secret, but cookies and CSRF tokens die with the process and differ
 * between instances, so we say so loudly.
 */
export function resolveSecrets(configured: { session?: string; csrf?: string }, logger: Logger): { session: string; csrf: string } {
  const missing = (['SESSION_SECRET', 'CSRF_SECRET'] as const).filter((name) =>
    name === 'SESSION_SECRET' ? !configured.session : !configured.csrf,
  );
  if (missing.length > 0) {
    logger.warn(
      { missing },
      'secret(s) not set; using random per-process values. Forms and flash messages break across restarts and between instances; set them in the environment.',
    );
  }
  return {
    session: configured.session ?? randomBytes(32).toString('hex'),
    csrf: configured.csrf ?? randomBytes(32).toString('hex'),
  };
}
