import { Router } from 'express';
import type { AppDependencies } from '../types.js';
import { brokerHostText } from '../broker-host-text.js';
import { tourCommands, tourState } from './tour.js';

export function homeRoutes(deps: AppDependencies): Router {
  const router = Router();
  router.get('/', (req, res) => {
    const broker = deps.broker.status();
    res.render('home', {
      producer: deps.producer.status(),
      consumer: deps.consumer.status(),
      broker,
      brokerHost: brokerHostText(res.locals.t, broker),
      // The live group: it can be switched from the Cluster page.
      groupId: deps.consumer.status().groupId,
      stored: deps.store.size,
      capacity: deps.config.messages.capacity,
      tour: tourState(deps),
      tourCommands: tourCommands(req),
      sessionTimeoutMs: deps.config.kafka.sessionTimeoutMs,
    });
  });
  return router;
}
