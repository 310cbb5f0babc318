/**
 * The row view models the pages render and the live scripts fill their templates with
 * (src/web/message-row.ts, cluster-rows.ts, browse-view.ts): one shape for headers, cuts and
 * notes decided here, and user data left as raw text (escaping belongs to the templates).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { translator } from '../../../src/i18n/index.js';
import { PREVIEW_CHARS, toMessageRow } from '../../../src/web/message-row.js';
import { toClusterRows } from '../../../src/web/cluster-rows.js';
import { toBrowseRow } from '../../../src/web/browse-view.js';
import type { StoredMessage } from '../../../src/messages/store.js';
import type { ClusterView } from '../../../src/kafka/admin-service.js';

const en = translator('en');

const stored = (extra: Partial<StoredMessage> = {}): StoredMessage => ({
  receivedAt: new Date('2024-05-01T12:00:00.123Z'),
  topic: '<t>',
  partition: 2,
  offset: '9007199254740993',
  key: 'k',
  value: '<b>v</b>',
  headers: {},
  timestamp: String(Date.parse('2024-05-01T11:59:59.000Z')),
  instance: 'i-1',
  group: 'g & h',
  ...extra,
});

test('a message row: headers as name/value pairs in order, user data untouched, times shown in UTC', () => {
  const headers: Record<string, string> = Object.create(null);
  headers['x-b'] = '<2>';
  headers['__proto__'] = 'just a name';
  headers['a'] = '';
  const row = toMessageRow(stored({ headers }), en);
  assert.deepEqual(row.headers, [
    { name: 'x-b', value: '<2>' },
    { name: '__proto__', value: 'just a name' },
    { name: 'a', value: '' },
  ]);
  assert.equal(row.value, '<b>v</b>', 'no escaping in the view model');
  assert.equal(row.topic, '<t>');
  assert.equal(row.group, 'g & h');
  assert.equal(row.offset, '9007199254740993', 'int64 offsets stay exact');
  assert.equal(row.partition, '2');
  assert.equal(row.receivedAt, '2024-05-01T12:00:00.123Z');
  assert.equal(row.receivedAtText, '2024-05-01 12:00:00.123 UTC');
  assert.equal(row.timestamp, '2024-05-01T11:59:59.000Z');
  assert.equal(row.timestampText, '2024-05-01 11:59:59.000 UTC');
  assert.equal(row.undecodable, false);
  assert.equal(row.undecodableDetail, null);
  assert.deepEqual(toMessageRow(stored(), en).headers, [], 'no headers: an empty list, not an object');
  // JSON is what the stream sends: the same object must come out again.
  assert.deepEqual(JSON.parse(JSON.stringify(row)), row);
});

test('a message row cuts long keys and values and says how many bytes they had', () => {
  const key = 'é'.repeat(PREVIEW_CHARS + 1);
  const row = toMessageRow(stored({ key, value: 'v'.repeat(PREVIEW_CHARS) }), en);
  assert.equal(row.key, 'é'.repeat(PREVIEW_CHARS));
  assert.equal(row.keyNote, en('consume.truncated', { bytes: Buffer.byteLength(key) }));
  assert.equal(row.value, 'v'.repeat(PREVIEW_CHARS), 'exactly the budget is not cut');
  assert.equal(row.valueNote, null);
  const nulls = toMessageRow(stored({ key: null, value: null, timestamp: undefined }), en);
  assert.deepEqual([nulls.key, nulls.keyNote, nulls.value, nulls.valueNote, nulls.timestamp, nulls.timestampText], [null, null, null, null, null, null]);
});

test('an undecodable message row carries the translated reason, with the reason as raw text', () => {
  const u = { reason: 'processing failed: <img src=x>', firstOffset: '4', lastOffset: '6', records: 3 };
  const row = toMessageRow(stored({ key: null, value: null, undecodable: u }), translator('zh-TW'));
  assert.equal(row.undecodable, true);
  assert.equal(row.undecodableDetail, translator('zh-TW')('consume.undecodableDetail', { first: '4', last: '6', records: 3, reason: u.reason }));
  assert.ok(row.undecodableDetail!.includes('<img src=x>'));
});

test('cluster rows: tones, message counts, "none" texts and this instance decided once', () => {
  const view: ClusterView = {
    fetchedAt: '2024-05-01T12:00:00.000Z',
    topics: [{ name: '<t>', partitions: [{ partition: 0, logStartOffset: '3', endOffset: '9007199254740993' }] }],
    groups: [
      {
        groupId: 'g',
        state: 'Stable',
        protocolType: 'consumer',
        protocol: 'RoundRobin',
        members: [
          { memberId: 'm1', clientId: 'c1', clientHost: '/127.0.0.1', instance: 'me', assignment: [{ topic: '<t>', partition: 0 }, { topic: '<t>', partition: 1 }] },
          { memberId: 'm2', clientId: 'c2', clientHost: '/127.0.0.1', instance: null, assignment: [] },
        ],
        offsets: [
          { topic: '<t>', partition: 0, committedOffset: null, endOffset: '5', lag: '5', memberId: null, instance: null },
          { topic: '<t>', partition: 1, committedOffset: '2', endOffset: '5', lag: '3', memberId: 'm2', instance: null },
        ],
      },
      { groupId: 'odd', state: 'Whatever', protocolType: '', protocol: '', members: [], offsets: [] },
    ],
  };
  const rows = toClusterRows(view, 'me', en);
  assert.deepEqual(rows.topics, [{ topic: '<t>', partition: '0', logStart: '3', end: '9007199254740993', messages: '9007199254740990' }]);
  const [g, odd] = rows.groups;
  assert.equal(g!.stateClass, 'badge text-bg-success');
  assert.equal(g!.protocol, 'RoundRobin');
  assert.deepEqual(g!.members.map((m) => [m.instance, m.you, m.assigned]), [
    ['me', true, '<t>:0, <t>:1'],
    ['—', false, '—'],
  ]);
  assert.deepEqual(g!.offsets.map((o) => [o.assignedTo, o.committed]), [
    ['unassigned', '—'],
    ['m2', '2'],
  ]);
  assert.equal(odd!.stateClass, 'badge text-bg-secondary');
  assert.equal(odd!.protocol, null);
  assert.deepEqual(toClusterRows(undefined, 'me', en), { topics: [], groups: [] }, 'Kafka unreadable: empty tables');
});

test('browse rows: format badges, spaced hex, cut notes, headers as pairs, and an encoded "produce again" link', () => {
  const row = toBrowseRow(
    {
      partition: 1,
      offset: 42n,
      timestamp: Date.parse('2024-05-01T12:00:00.000Z'),
      key: Buffer.from([0, 1, 255]),
      value: Buffer.from('{"a":1}'),
      headers: [
        ['<h>', Buffer.from('<v>')],
        ['<h>', null],
        ['long', Buffer.from('h'.repeat(600))],
      ],
      size: 0,
    },
    'a b/&c',
    en,
  );
  assert.deepEqual(row.key, { shown: '00 01 ff', format: 'binary', formatLabel: en('topics.format.binary'), note: null });
  assert.deepEqual(row.value, { shown: '{\n  "a": 1\n}', format: 'json', formatLabel: 'JSON', note: null });
  assert.deepEqual(row.headers.map((h) => [h.name, h.value.shown, h.value.format]), [
    ['<h>', '<v>', null],
    ['<h>', null, null],
    ['long', 'h'.repeat(500), null],
  ]);
  assert.equal(row.headers[2]!.value.note, en('consume.truncated', { bytes: 600 }));
  assert.equal(row.timestampText, '2024-05-01 12:00:00.000 UTC');
  assert.equal(row.againHref, '/produce?topic=a%20b%2F%26c&again=1-42');
  const none = toBrowseRow({ partition: 0, offset: 0n, timestamp: -1, key: null, value: Buffer.alloc(0), headers: [], size: 0 }, 't', en);
  assert.deepEqual([none.timestamp, none.timestampText, none.key.shown, none.value.shown, none.value.format], [null, null, null, '', null]);
});
