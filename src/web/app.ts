import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import cookieParser from 'cookie-parser';
import type { AppDependencies } from './types.js';
import './locals.js';
import { requestLog } from './middleware/request-log.js';
import { securityHeaders } from './middleware/security.js';
import { i18n } from './middleware/i18n.js';
import { pageLocals } from './middleware/page-locals.js';
import { clientSession } from './middleware/client-session.js';
import { createCsrf } from './middleware/csrf.js';
import { readFlash } from './middleware/flash.js';
import { errorHandler, notFound } from './middleware/errors.js';
import { postRateLimit } from './middleware/rate-limit.js';
import { healthRoutes } from './routes/health.js';
import { langRoutes } from './routes/lang.js';
import { apiMessageRoutes } from './routes/api-messages.js';
import { homeRoutes } from './routes/home.js';
import { produceRoutes } from './routes/produce.js';
import { consumeRoutes } from './routes/consume.js';
import { clusterRoutes } from './routes/cluster.js';
import { apiClusterRoutes } from './routes/api-cluster.js';
import { metricsRoutes } from './routes/metrics.js';
import { apiTopicRoutes } from './routes/api-topics.js';
import { topicRoutes } from './routes/topics.js';
import { clusterPictureRoutes } from './routes/cluster-pictures.js';
import { tourRoutes } from './routes/tour.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bootstrapDist = path.join(path.dirname(createRequire(import.meta.url).resolve('bootstrap/package.json')), 'dist');

/**
 * Body limits sit a little above messages.maxBytes + messages.maxKeyBytes so the validator, not
 * the parser, reports a too-long value or key with a proper field error. JSON escapes can double
 * the size of text and percent-encoding can triple it, hence the factors. Anything larger is cut
 * off by the parser with 413 before it is read into memory.
 */
export function bodyLimits(maxBytes: number, maxKeyBytes = 0): { json: number; form: number } {
  const slack = 64 * 1024;
  const content = maxBytes + maxKeyBytes;
  return { json: content * 2 + slack, form: content * 3 + slack };
}

/** Builds the Express app from ready services; it starts nothing and listens on nothing. */
export function createApp(deps: AppDependencies): Express {
  const { config } = deps;
  const secure = config.http.secureCookies;
  const showStack = config.nodeEnv === 'development';
  const limits = bodyLimits(config.messages.maxBytes, config.messages.maxKeyBytes);
  const csrf = createCsrf({ secret: deps.secrets.csrf, secure });

  const app = express();
  app.disable('x-powered-by');
  app.set('views', path.join(root, 'views'));
  app.set('view engine', 'ejs');
  app.set('query parser', 'simple');

  app.use(requestLog(deps.logger));
  app.use(securityHeaders({ secure }));
  app.use('/vendor/bootstrap', express.static(bootstrapDist, { index: false, maxAge: '1d' }));
  app.use('/static', express.static(path.join(root, 'public'), { index: false, maxAge: '1h' }));

  app.use(cookieParser(deps.secrets.session));
  app.use(i18n());
  app.use(
    pageLocals({
      instanceId: deps.instanceId,
      groupId: () => deps.consumer.status().groupId,
      failure: () => deps.failure.status(),
      topic: config.kafka.topic,
      showStack,
    }),
  );
  app.use(healthRoutes(deps));
  app.use(metricsRoutes(deps));
  app.use(langRoutes({ secure }));
  // Before the body parsers, so a refused request is not read into memory first.
  app.use(postRateLimit(config.rateLimit));

  app.use(clientSession({ secure }));
  // The produce form sends two fields per header row (up to 32 headers).
  app.use(express.urlencoded({ extended: false, limit: limits.form, parameterLimit: 100 }));
  app.use(express.json({ limit: limits.json }));
  app.use(csrf.protect);
  app.use('/api', apiMessageRoutes(deps));
  app.use('/api', apiClusterRoutes(deps));
  app.use('/api', apiTopicRoutes(deps));
  app.use('/api', tourRoutes(deps));

  app.use(readFlash(), csrf.provideToken);
  app.use(homeRoutes(deps));
  app.use(produceRoutes(deps));
  app.use(consumeRoutes(deps));
  app.use(clusterRoutes(deps));
  app.use(topicRoutes(deps));
  app.use(clusterPictureRoutes(deps));

  app.use(notFound());
  app.use(errorHandler({ logger: deps.logger, showStack, bodyLimit: limits.form }));
  return app;
}
