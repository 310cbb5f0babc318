import { ApiKey } from '../protocol/api-keys.js';
import {
  COORDINATOR_KEY_GROUP,
  COORDINATOR_KEY_TRANSACTION,
  type Coordinator,
  decodeFindCoordinatorRequest,
  encodeFindCoordinatorResponse,
} from '../protocol/apis/find-coordinator.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ApiHandler } from './types.js';

export const TRANSACTIONS_UNSUPPORTED = 'transactions are not supported by this broker';

/**
 * On a single node every group is coordinated here, at the same address Metadata advertises.
 * Transactions are not implemented: a transaction-coordinator lookup gets the non-retriable
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED, the answer Kafka gives a client that may not use
 * transactional ids, because it is the one error librdkafka, kafkajs and the Java client all treat
 * as final at this step (see docs/compatibility.md); the message says why.
 */
export const findCoordinatorHandler: ApiHandler = {
  apiKey: ApiKey.FindCoordinator,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 6,
  firstFlexibleVersion: 3,
  handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeFindCoordinatorRequest(body, version);
    const { host, port } = ctx.broker.advertised();
    const coordinators = req.keys.map((key): Coordinator => {
      if (req.keyType === COORDINATOR_KEY_GROUP) {
        // Kafka's success message is the empty string (Errors.NONE.message()), not null.
        return { key, errorCode: ErrorCode.NONE, errorMessage: '', nodeId: ctx.broker.config.nodeId, host, port };
      }
      const transactional = req.keyType === COORDINATOR_KEY_TRANSACTION;
      if (transactional) ctx.broker.logger.warn({ transactionalId: key }, 'transactional producers are not supported');
      return {
        key,
        errorCode: transactional ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED : ErrorCode.INVALID_REQUEST,
        errorMessage: transactional ? TRANSACTIONS_UNSUPPORTED : `unsupported coordinator key type ${req.keyType}`,
        nodeId: -1,
        host: '',
        port: -1,
      };
    });
    return encodeFindCoordinatorResponse(version, coordinators);
  },
};
