import { Reader } from '../protocol/reader.js';
import type { RequestHeader } from '../handlers/types.js';
import { ApiKey } from '../protocol/api-keys.js';

/** ApiVersions v3+ is flexible whatever the broker advertises (KIP-511 relies on it). */
const API_VERSIONS_FIRST_FLEXIBLE = 3;

/**
 * Request header v1 (apiKey, apiVersion, correlationId, nullable clientId), or v2 for a flexible
 * request version, which appends a tagged-field section. The client id stays a classic nullable
 * string in v2 too. `firstFlexible` gives an API's first flexible version (undefined: unknown API).
 */
export function readRequestHeader(
  frame: Buffer,
  firstFlexible: (apiKey: number) => number | undefined,
): { header: RequestHeader; body: Reader } {
  const r = new Reader(frame);
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const clientId = r.nullableString();
  const from = apiKey === ApiKey.ApiVersions ? API_VERSIONS_FIRST_FLEXIBLE : firstFlexible(apiKey);
  const flexible = from !== undefined && apiVersion >= from;
  if (flexible) r.skipTaggedFields();
  return { header: { apiKey, apiVersion, correlationId, clientId, flexible }, body: r };
}
