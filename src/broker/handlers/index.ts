import { apiVersionsHandler } from './api-versions.js';
import { createPartitionsHandler } from './create-partitions.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteRecordsHandler } from './delete-records.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { describeConfigsHandler } from './describe-configs.js';
import { fetchHandler } from './fetch.js';
import { groupHandlers } from './group-handlers.js';
import { initProducerIdHandler } from './init-producer-id.js';
import { listOffsetsHandler } from './list-offsets.js';
import { metadataHandler } from './metadata.js';
import { produceHandler } from './produce.js';
import type { ApiHandler } from './types.js';

/** Every API the broker implements; ApiVersions advertises exactly these ranges. */
export function createHandlerTable(): ReadonlyMap<number, ApiHandler> {
  const list: ApiHandler[] = [
    produceHandler,
    fetchHandler,
    listOffsetsHandler,
    metadataHandler,
    createTopicsHandler,
    deleteTopicsHandler,
    deleteRecordsHandler,
    describeConfigsHandler,
    createPartitionsHandler,
    initProducerIdHandler,
    ...groupHandlers,
  ];
  list.push(apiVersionsHandler(() => list));
  const table = new Map<number, ApiHandler>();
  for (const h of list) {
    if (table.has(h.apiKey)) throw new Error(`two handlers for API key ${h.apiKey}`);
    table.set(h.apiKey, h);
  }
  return table;
}
