import { ApiKey } from '../protocol/api-keys.js';
import { decodeInitProducerIdRequest, encodeInitProducerIdResponse } from '../protocol/apis/init-producer-id.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ApiHandler } from './types.js';

export const initProducerIdHandler: ApiHandler = {
  apiKey: ApiKey.InitProducerId,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, body) {
    const req = decodeInitProducerIdRequest(body);
    if (req.transactionalId !== null) {
      // Idempotence yes, transactions no: refuse clearly instead of pretending.
      ctx.broker.logger.warn({ transactionalId: req.transactionalId }, 'transactional producers are not supported');
      return encodeInitProducerIdResponse(ErrorCode.INVALID_REQUEST, -1n, -1);
    }
    const { producerId, epoch } = await ctx.broker.producers.allocate();
    return encodeInitProducerIdResponse(ErrorCode.NONE, producerId, epoch);
  },
};
