import type { BrokerLogger } from '../logger.js';
import type { BrokerConfig } from '../config.js';
import type { Reader } from '../protocol/reader.js';
import type { Writer } from '../protocol/writer.js';
import type { LogManager } from '../storage/log-manager.js';
import type { GroupCoordinator } from '../groups/coordinator.js';
import type { ProducerStateManager } from '../producers/producer-state.js';

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  /** A flexible request version: header v2 in, response header v1 out (not for ApiVersions). */
  flexible: boolean;
}

/** What every handler may use: the broker's state, never the socket. */
export interface BrokerContext {
  config: BrokerConfig;
  logs: LogManager;
  groups: GroupCoordinator;
  producers: ProducerStateManager;
  logger: BrokerLogger;
  /** Aborted when the broker closes, so parked long-polls answer at once. */
  shutdown: AbortSignal;
  /**
   * Requests handled so far per "ApiName vN" (e.g. "Fetch v17"): which versions clients actually
   * negotiated, for operators (debug) and for the compatibility tests.
   */
  requestsSeen: Map<string, number>;
  /** The host:port clients must use to reach this broker (resolved after listen). */
  advertised(): { host: string; port: number };
}

export interface RequestContext {
  header: RequestHeader;
  broker: BrokerContext;
  client: { host: string; port: number; connectionId: number };
}

/**
 * One Kafka API. `handle` decodes the body, does the work and returns the encoded response body
 * (without the response header), or null when the protocol says no response is sent (acks=0).
 */
export interface ApiHandler {
  apiKey: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  /**
   * First flexible (KIP-482) version, from the API's message spec: from it on the request header
   * is v2 and the response header v1 (both with tagged fields), except ApiVersions' response.
   */
  firstFlexibleVersion: number;
  handle(ctx: RequestContext, body: Reader): Promise<Writer | null> | Writer | null;
}
