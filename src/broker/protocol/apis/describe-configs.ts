import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export const ResourceType = { TOPIC: 2, BROKER: 4 } as const;
/** DescribeConfigs v1+ config_source values. */
export const ConfigSource = { TOPIC: 1, STATIC_BROKER: 4, DEFAULT: 5 } as const;

export interface DescribeConfigsRequest {
  resources: { type: number; name: string; keys: string[] | null }[];
  includeSynonyms: boolean;
}

/** DescribeConfigs v0-v2 (v3 adds documentation, v4 turns flexible). */
export function decodeDescribeConfigsRequest(r: Reader, version: number): DescribeConfigsRequest {
  const resources = r.array((r) => ({
    type: r.int8(),
    name: r.string(),
    keys: r.nullableArray((r) => r.string()),
  }));
  const includeSynonyms = version >= 1 ? r.boolean() : false;
  return { resources, includeSynonyms };
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  source: number;
  sensitive: boolean;
}
export interface DescribeConfigsResult {
  errorCode: number;
  errorMessage: string | null;
  type: number;
  name: string;
  configs: ConfigEntry[];
}

export function encodeDescribeConfigsResponse(version: number, results: DescribeConfigsResult[]): Writer {
  const w = new Writer(512);
  w.int32(0);
  w.array(results, (w, res) => {
    w.int16(res.errorCode).nullableString(res.errorMessage).int8(res.type).string(res.name);
    w.array(res.configs, (w, c) => {
      w.string(c.name).nullableString(c.value).boolean(c.readOnly);
      if (version === 0) w.boolean(c.source === ConfigSource.DEFAULT);
      else w.int8(c.source);
      w.boolean(c.sensitive);
      if (version >= 1) w.int32(0); // synonyms: none reported
    });
  });
  return w;
}
