import type { Translate } from '../i18n/index.js';
import type { BrokerStatus } from '../kafka/broker-connection.js';

/**
 * One line saying who hosts the embedded broker, for Home and /cluster (public/js/cluster-live.js
 * builds the same line from /api/cluster). Plain text: templates escape it.
 */
export function brokerHostText(t: Translate, status: BrokerStatus): string {
  if (status.mode === 'external') return t('broker.host.external');
  const h = status.host;
  let line: string;
  if (!h) line = t('broker.host.unknown');
  else if (h.self) line = t('broker.host.self', { instance: h.instanceId ?? '', pid: h.pid, since: h.since ?? '?' });
  else if (h.instanceId) line = t('broker.host.other', { instance: h.instanceId, pid: h.pid, since: h.since ?? '?' });
  else line = t('broker.host.standalone', { pid: h.pid });
  if (!status.reachable) line += ` ${t('broker.host.unreachable')}`;
  return line;
}
