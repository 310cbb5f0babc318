import { Reader } from '../protocol/reader.js';
import type { RequestHeader } from '../handlers/types.js';
import { ApiKey } from '../protocol/api-keys.js';

/**
 * Request header v1 (apiKey, apiVersion, correlationId, nullable clientId). ApiVersions v3+ uses
 * header v2, which appends a tagged-field section; it is the only flexible request we accept.
 */
export function readRequestHeader(frame: Buffer): { header: RequestHeader; body: Reader } {
  const r = new Reader(frame);
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const clientId = r.nullableString();
  if (apiKey === ApiKey.ApiVersions && apiVersion >= 3) r.skipTaggedFields();
  return { header: { apiKey, apiVersion, correlationId, clientId }, body: r };
}
