/** kafkajs failures sorted into the few cases the app reacts to differently. */
import { probeTls } from './security.js';
import type { GatewayOptions } from './types.js';
import { refusalReason, type RefusedCreate } from '../refusal-reason.js';

export type KafkaErrorKind = 'unavailable' | 'unsupported' | 'too_large' | 'rejected';

export interface ClassifiedError {
  kind: KafkaErrorKind;
  message: string;
}

const CONNECTIVITY_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSLockTimeout',
  'KafkaJSTimeout',
]);

/** Follows `cause`/`originalError` chains, since kafkajs wraps the real reason in retry errors. */
function rootCause(err: unknown): Record<string, unknown> {
  let e = err as Record<string, unknown> | undefined;
  for (let i = 0; i < 10 && e; i++) {
    const next = (e.cause ?? e.originalError) as Record<string, unknown> | undefined;
    if (!next || typeof next !== 'object') break;
    e = next;
  }
  return e ?? {};
}

/**
 * kafkajs keeps only the code of a refused create (POLICY_VIOLATION, INVALID_PARTITIONS, ...) and
 * drops the broker's errorMessage, which says why; this asks the broker again (validateOnly) for
 * it and rethrows the refusal with that reason as its message. Not with SASL (the raw request
 * would not be authenticated).
 */
export async function withRefusalReason<T>(opts: GatewayOptions, req: RefusedCreate, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const root = rootCause(err);
    const protocol = (root.type ? root : (root.errors as Array<Record<string, unknown>> | undefined)?.find((e) => e?.type)) ?? undefined;
    if (!protocol || protocol.retriable === true || opts.security?.sasl || !opts.brokers[0]) throw err;
    const reason = await refusalReason(opts.brokers[0], req, probeTls(opts.security));
    if (!reason) throw err;
    throw Object.assign(new Error(`${String(protocol.message)}: ${reason}`), { name: 'KafkaJSProtocolError', type: protocol.type, retriable: false });
  }
}

/** Maps any kafkajs failure to the few cases the app reacts to differently. */
export function classifyKafkaError(err: unknown): ClassifiedError {
  const root = rootCause(err);
  const name = String(root.name ?? '');
  const type = String(root.type ?? '');
  const message = String(root.message ?? (err as Error)?.message ?? err);
  if (name === 'KafkaJSServerDoesNotSupportApiKey' || type === 'UNSUPPORTED_VERSION' || type === 'UNSUPPORTED_FOR_MESSAGE_FORMAT') {
    return { kind: 'unsupported', message };
  }
  if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') return { kind: 'too_large', message };
  if (CONNECTIVITY_ERRORS.has(name) || /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ETIMEDOUT|EPIPE|Connection timeout|Closed connection/i.test(message)) {
    return { kind: 'unavailable', message };
  }
  // A retriable protocol error that survived all retries means the cluster is not healthy
  // (leader moving, coordinator loading); from the user's side that is "unavailable".
  if (root.retriable === true) return { kind: 'unavailable', message };
  return { kind: 'rejected', message };
}

export class GroupNotEmptyError extends Error {
  constructor(readonly groupId: string) {
    super(`group ${groupId} got another member while its offsets were being reset; nothing was committed`);
    this.name = 'GroupNotEmptyError';
  }
}
