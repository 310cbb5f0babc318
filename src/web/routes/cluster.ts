import { Router, type NextFunction, type Response } from 'express';
import type { AppDependencies } from '../types.js';
import { brokerHostText } from '../broker-host-text.js';
import { AdminError, type ClusterView } from '../../kafka/admin-service.js';
import { setFlash, type Flash } from '../middleware/flash.js';
import { picturesFor } from './cluster-pictures.js';
import { toClusterRows } from '../cluster-rows.js';
import type { MessageKey, Params, Translate } from '../../i18n/index.js';
import {
  parseAddPartitions,
  parseCreateTopic,
  parseFailure,
  parseGroup,
  parseReset,
  type Parsed,
} from '../validation/cluster-rules.js';

export type FormName = 'create' | 'partitions' | 'reset' | 'deleteGroup' | 'switchGroup' | 'failure';

interface FormState {
  values: Record<string, string>;
  errors: Record<string, string>;
}

/**
 * The group view (/cluster): topics, groups, members, assignments, committed offsets and lag, as
 * the broker reports them through kafkajs admin (AdminService), plus the admin actions and this
 * instance's own controls (pause, switch group, failure switch). Every action is a CSRF-checked
 * POST that redirects back with a flash; invalid input re-renders the page with field errors.
 */
export function clusterRoutes(deps: AppDependencies): Router {
  const router = Router();
  const secure = deps.config.http.secureCookies;

  const defaults = (): Record<FormName, FormState> => {
    const failure = deps.failure.status();
    return {
      create: { values: { topic: '', partitions: '3' }, errors: {} },
      partitions: { values: { topic: deps.config.kafka.topic, count: '' }, errors: {} },
      reset: {
        values: { group: deps.consumer.status().groupId, topic: deps.config.kafka.topic, to: 'earliest', timestamp: '', offset: '', partition: '' },
        errors: {},
      },
      deleteGroup: { values: { group: '' }, errors: {} },
      switchGroup: { values: { group: '' }, errors: {} },
      failure: {
        values: { mode: failure.mode, afterMessages: String(failure.afterMessages), stallMs: String(failure.stallMs) },
        errors: {},
      },
    };
  };

  const render = async (res: Response, status = 200, override: Partial<Record<FormName, FormState>> = {}) => {
    let view: ClusterView | undefined;
    let loadError: string | undefined;
    try {
      view = await deps.admin.clusterView();
    } catch (err) {
      if (!(err instanceof AdminError)) throw err;
      loadError = err.message;
    }
    if (view) deps.history?.record(view);
    res.status(status).render('cluster', {
      view,
      rows: toClusterRows(view, deps.instanceId(), res.locals.t),
      pictures: await picturesFor(deps, view),
      loadError,
      consumer: deps.consumer.status(),
      brokerHost: brokerHostText(res.locals.t, deps.broker.status()),
      forms: { ...defaults(), ...override },
      sessionTimeoutMs: deps.config.kafka.sessionTimeoutMs,
    });
  };

  /** Invalid input: the page again, status 400, with the form's values and translated errors. */
  const invalid = (res: Response, form: FormName, parsed: Parsed<unknown>) => {
    const t: Translate = res.locals.t;
    const errors = Object.fromEntries(Object.entries(parsed.errors).map(([f, m]) => [f, t(m.key, m.params)]));
    return render(res, 400, { [form]: { values: parsed.values, errors } });
  };

  const done = (res: Response, flash: Flash) => {
    setFlash(res, flash, secure);
    res.redirect(303, '/cluster');
  };

  /** AdminError -> a flash naming the action and Kafka's reason; anything else is a 500. */
  const refused = (res: Response, next: NextFunction, err: unknown, key: MessageKey, params: Params) => {
    if (!(err instanceof AdminError)) return next(err);
    done(res, { kind: 'danger', key, params, reason: { key: `cluster.error.${err.kind}`, params: err.params }, detail: err.message });
  };


  router.get('/cluster', async (_req, res) => render(res));

  router.post(
    '/cluster/topics',
    async (req, res, next) => {
      const p = parseCreateTopic(req.body);
      if (!p.result) return invalid(res, 'create', p);
      const { topic, partitions } = p.result;
      try {
        await deps.admin.createTopic(topic, partitions);
        done(res, { kind: 'success', key: 'cluster.topicCreated', params: { topic, partitions } });
      } catch (err) {
        refused(res, next, err, 'cluster.topicCreateFailed', { topic });
      }
    },
  );

  router.post(
    '/cluster/partitions',
    async (req, res, next) => {
      const p = parseAddPartitions(req.body);
      if (!p.result) return invalid(res, 'partitions', p);
      const { topic, count } = p.result;
      try {
        const { from, to } = await deps.admin.addPartitions(topic, count);
        done(res, { kind: 'success', key: 'cluster.partitionsAdded', params: { topic, from, to } });
      } catch (err) {
        refused(res, next, err, 'cluster.partitionsFailed', { topic });
      }
    },
  );

  router.post(
    '/cluster/reset',
    async (req, res, next) => {
      const p = parseReset(req.body);
      if (!p.result) return invalid(res, 'reset', p);
      const { group, topic, target } = p.result;
      try {
        const offsets = await deps.admin.resetOffsets(group, topic, target);
        const list = offsets.map((o) => `${o.partition}→${o.offset}`).join(', ');
        done(res, { kind: 'success', key: 'cluster.resetDone', params: { group, topic, offsets: list || '—' } });
      } catch (err) {
        refused(res, next, err, 'cluster.resetFailed', { group });
      }
    },
  );

  router.post(
    '/cluster/delete-group',
    async (req, res, next) => {
      const p = parseGroup(req.body);
      if (!p.result) return invalid(res, 'deleteGroup', p);
      const { group } = p.result;
      try {
        await deps.admin.deleteGroup(group);
        done(res, { kind: 'success', key: 'cluster.groupDeleted', params: { group } });
      } catch (err) {
        refused(res, next, err, 'cluster.deleteFailed', { group });
      }
    },
  );

  router.post(
    '/cluster/group',
    async (req, res) => {
      const p = parseGroup(req.body);
      if (!p.result) return invalid(res, 'switchGroup', p);
      const from = deps.consumer.status().groupId;
      await deps.consumer.switchGroup(p.result.group);
      done(res, { kind: 'success', key: 'cluster.groupSwitched', params: { from, group: p.result.group } });
    },
  );

  router.post(
    '/cluster/consumer',
    async (req, res) => {
      const action = (req.body as Record<string, unknown> | undefined)?.action;
      if (action === 'pause') {
        await deps.consumer.pause();
        done(res, { kind: 'success', key: 'cluster.consumerPaused', params: { group: deps.consumer.status().groupId } });
      } else if (action === 'resume') {
        await deps.consumer.resume();
        done(res, { kind: 'success', key: 'cluster.consumerResumed', params: { group: deps.consumer.status().groupId } });
      } else {
        done(res, { kind: 'danger', key: 'cluster.consumerActionUnknown' });
      }
    },
  );

  router.post(
    '/cluster/failure',
    async (req, res) => {
      const p = parseFailure(req.body);
      if (!p.result) return invalid(res, 'failure', p);
      const { mode, afterMessages, stallMs } = p.result;
      deps.failure.arm(mode, afterMessages, stallMs ?? deps.config.failure.stallMs);
      done(res, { kind: 'success', key: mode === 'none' ? 'cluster.failureOff' : 'cluster.failureArmed', params: { mode, after: afterMessages } });
    },
  );

  return router;
}
