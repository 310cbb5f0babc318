import { ApiKey } from '../protocol/api-keys.js';
import { decodeInitProducerIdRequest, encodeInitProducerIdResponse } from '../protocol/apis/init-producer-id.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ApiHandler } from './types.js';

export const initProducerIdHandler: ApiHandler = {
  apiKey: ApiKey.InitProducerId,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 5,
  firstFlexibleVersion: 2,
  async handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeInitProducerIdRequest(body, version);
    if (req.transactionalId !== null) {
      // Idempotence yes, transactions no: the same final error as the coordinator lookup gives
      // (find-coordinator.ts), for a client that skips the lookup.
      ctx.broker.logger.warn({ transactionalId: req.transactionalId }, 'transactional producers are not supported');
      return encodeInitProducerIdResponse(version, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, -1n, -1);
    }
    const { producerId, epoch } = await ctx.broker.producers.allocate();
    return encodeInitProducerIdResponse(version, ErrorCode.NONE, producerId, epoch);
  },
};
