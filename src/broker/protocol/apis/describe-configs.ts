import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export const ResourceType = { TOPIC: 2, BROKER: 4 } as const;
/** DescribeConfigs v1+ config_source values. */
export const ConfigSource = { TOPIC: 1, STATIC_BROKER: 4, DEFAULT: 5 } as const;

export const DESCRIBE_CONFIGS_FIRST_FLEXIBLE = 4;

export interface DescribeConfigsRequest {
  resources: { type: number; name: string; keys: string[] | null }[];
  includeSynonyms: boolean;
}

/** DescribeConfigs v0-v4; v3 adds config types and documentation, v4 is flexible. */
export function decodeDescribeConfigsRequest(r: Reader, version: number): DescribeConfigsRequest {
  r.flexible = version >= DESCRIBE_CONFIGS_FIRST_FLEXIBLE;
  const resources = r.fArray((r) => {
    const res = { type: r.int8(), name: r.fString(), keys: r.fNullableArray((r) => r.fString()) };
    r.tags();
    return res;
  });
  const includeSynonyms = version >= 1 ? r.boolean() : false;
  if (version >= 3) r.boolean(); // include documentation: we have none to give
  r.tags();
  return { resources, includeSynonyms };
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  source: number;
  sensitive: boolean;
  /** v3+: Kafka's ConfigType of the setting (CONFIG_TYPE below); UNKNOWN when not given. */
  configType?: number;
}

/** DescribeConfigsResponse's ConfigType values. */
export const CONFIG_TYPE = { UNKNOWN: 0, BOOLEAN: 1, STRING: 2, INT: 3, SHORT: 4, LONG: 5, DOUBLE: 6, LIST: 7, CLASS: 8, PASSWORD: 9 } as const;
export interface DescribeConfigsResult {
  errorCode: number;
  errorMessage: string | null;
  type: number;
  name: string;
  configs: ConfigEntry[];
}

export function encodeDescribeConfigsResponse(version: number, results: DescribeConfigsResult[]): Writer {
  const w = new Writer(512).flex(version >= DESCRIBE_CONFIGS_FIRST_FLEXIBLE);
  w.int32(0);
  w.fArray(results, (w, res) => {
    w.int16(res.errorCode).fNullableString(res.errorMessage).int8(res.type).fString(res.name);
    w.fArray(res.configs, (w, c) => {
      w.fString(c.name).fNullableString(c.value).boolean(c.readOnly);
      if (version === 0) w.boolean(c.source === ConfigSource.DEFAULT);
      else w.int8(c.source);
      w.boolean(c.sensitive);
      if (version >= 1) w.fArray([] as number[], () => undefined); // synonyms: none reported
      if (version >= 3) {
        w.int8(c.configType ?? CONFIG_TYPE.UNKNOWN);
        w.fNullableString(null); // documentation
      }
      w.tags();
    });
    w.tags();
  });
  return w.tags();
}
