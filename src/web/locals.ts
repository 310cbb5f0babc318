import type { Locale, Translate } from '../i18n/index.js';
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
      topic: string;
      showStack: boolean;
    }
  }
}

export {};
