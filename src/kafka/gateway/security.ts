/** SASL/TLS: from the app's environment-only settings to kafkajs's connection options. */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import type { SaslMechanism } from '../../config.js';

/** The part of AppConfig.kafka that describes how to authenticate and encrypt. */
export interface SecuritySettings {
  sasl: { mechanism: SaslMechanism; username: string; password: string };
  ssl: { enabled: boolean; caFile: string; rejectUnauthorized: boolean };
}

export interface KafkaSecurity {
  /** kafkajs's `ssl`: `true` means "TLS with Node's defaults" (system CAs, verification on). */
  ssl?: true | TlsOptions;
  sasl?: SASLOptions;
}

/**
 * Maps the environment-only SASL/TLS settings to kafkajs's connection options. Kept pure apart
 * from reading the CA file, so the mapping can be unit-tested without a TLS broker.
 */
export function kafkaSecurity(settings: SecuritySettings, readFile: (file: string) => string = (f) => readFileSync(f, 'utf8')): KafkaSecurity {
  const out: KafkaSecurity = {};
  const { ssl, sasl } = settings;
  if (ssl.enabled) {
    if (!ssl.caFile && ssl.rejectUnauthorized) out.ssl = true;
    else {
      const tls: TlsOptions = { rejectUnauthorized: ssl.rejectUnauthorized };
      if (ssl.caFile) tls.ca = [readFile(ssl.caFile)];
      out.ssl = tls;
    }
  }
  switch (sasl.mechanism) {
    case 'plain':
      out.sasl = { mechanism: 'plain', username: sasl.username, password: sasl.password };
      break;
    case 'scram-sha-256':
      out.sasl = { mechanism: 'scram-sha-256', username: sasl.username, password: sasl.password };
      break;
    case 'scram-sha-512':
      out.sasl = { mechanism: 'scram-sha-512', username: sasl.username, password: sasl.password };
      break;
    case 'none':
      break;
  }
  return out;
}

/** TLS options for our own raw probes (ApiVersions is allowed before SASL authentication). */
export function probeTls(security: KafkaSecurity | undefined): TlsOptions | undefined {
  if (!security?.ssl) return undefined;
  return security.ssl === true ? {} : security.ssl;
}
