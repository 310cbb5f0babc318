import type { KafkaConfig } from 'kafkajs';
import type { GatewayOptions } from './types.js';

/**
 * Where and how to connect, shared by every kafkajs client the gateway builds (the topic reader's
 * included), so they all reach the same brokers with the same TLS, SASL and timeouts.
 */
export function connectionConfig(opts: GatewayOptions): Pick<KafkaConfig, 'brokers' | 'connectionTimeout' | 'requestTimeout' | 'ssl' | 'sasl'> {
  return {
    brokers: [...opts.brokers],
    connectionTimeout: opts.connectionTimeoutMs,
    requestTimeout: opts.requestTimeoutMs,
    ...(opts.security?.ssl ? { ssl: opts.security.ssl } : {}),
    ...(opts.security?.sasl ? { sasl: opts.security.sasl } : {}),
  };
}
