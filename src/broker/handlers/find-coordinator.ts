import { ApiKey } from '../protocol/api-keys.js';
import {
  COORDINATOR_KEY_GROUP,
  COORDINATOR_KEY_TRANSACTION,
  decodeFindCoordinatorRequest,
  encodeFindCoordinatorResponse,
} from '../protocol/apis/find-coordinator.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ApiHandler } from './types.js';

/** On a single node every group is coordinated here, at the same address Metadata advertises. */
export const findCoordinatorHandler: ApiHandler = {
  apiKey: ApiKey.FindCoordinator,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeFindCoordinatorRequest(body, version);
    if (req.keyType !== COORDINATOR_KEY_GROUP) {
      const transactional = req.keyType === COORDINATOR_KEY_TRANSACTION;
      return encodeFindCoordinatorResponse(version, {
        errorCode: transactional ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.INVALID_REQUEST,
        errorMessage: transactional ? 'transactions are not supported by this broker' : `unknown key type ${req.keyType}`,
        nodeId: -1,
        host: '',
        port: -1,
      });
    }
    const { host, port } = ctx.broker.advertised();
    return encodeFindCoordinatorResponse(version, {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      nodeId: ctx.broker.config.nodeId,
      host,
      port,
    });
  },
};
