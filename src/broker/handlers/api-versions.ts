import { ApiKey } from '../protocol/api-keys.js';
import { encodeApiVersionsResponse } from '../protocol/apis/api-versions.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ApiHandler } from './types.js';

/** Built with the list of handlers so the advertised ranges are exactly what is implemented. */
export function apiVersionsHandler(all: () => readonly ApiHandler[]): ApiHandler {
  return {
    apiKey: ApiKey.ApiVersions,
    name: 'ApiVersions',
    minVersion: 0,
    maxVersion: 4,
  firstFlexibleVersion: 3,
    handle(ctx) {
      // The v3 body (client software name/version) is informational; we do not need it.
      const apis = all()
        .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }))
        .sort((a, b) => a.apiKey - b.apiKey);
      return encodeApiVersionsResponse(ctx.header.apiVersion, ErrorCode.NONE, apis);
    },
  };
}
