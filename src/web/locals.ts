import type { Locale, Translate } from '../i18n/index.js';
import type { FailureStatus } from '../kafka/failure-switch.js';
import type { Flash } from './middleware/flash.js';

// Typed view locals: every page template can rely on these being set.
declare global {
  namespace Express {
    interface Locals {
      t: Translate;
      locale: Locale;
      clientId: string;
      csrfToken: string;
      flash: Flash | undefined;
      currentPath: string;
      instanceId: string;
      /** The consumer group this instance reads in right now (switchable at run time). */
      groupId: string;
      failure: FailureStatus;
      topic: string;
      showStack: boolean;
    }
  }
}

export {};
