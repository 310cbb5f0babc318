import { Writer } from '../writer.js';

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export const API_VERSIONS_FIRST_FLEXIBLE = 3;

/**
 * ApiVersions response. v3 (and v4, which changes only how features may be listed) has a flexible body (compact array, tagged fields) but, as a special
 * case in Kafka, its response header stays v0, which the connection always writes.
 */
export function encodeApiVersionsResponse(version: number, errorCode: number, apis: ApiVersionRange[]): Writer {
  const w = new Writer(512);
  w.int16(errorCode);
  if (version >= 3) {
    w.compactArray(apis, (w, a) => {
      w.int16(a.apiKey).int16(a.minVersion).int16(a.maxVersion).emptyTaggedFields();
    });
    w.int32(0); // throttle
    w.emptyTaggedFields();
  } else {
    w.array(apis, (w, a) => {
      w.int16(a.apiKey).int16(a.minVersion).int16(a.maxVersion);
    });
    if (version >= 1) w.int32(0);
  }
  return w;
}
