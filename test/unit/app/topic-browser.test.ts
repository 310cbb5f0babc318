/**
 * The pure parts of the topic browser, the producer options, the picture history and the tour:
 * value formatting, cursors, query and form parsing, rebalance detection. Reads against Kafka are
 * covered in test/app/topics.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, prettyJson, spacedHex } from '../../../src/messages/record-format.js';
import { decodeCursor, encodeCursor } from '../../../src/kafka/topic-browser.js';
import { parseBrowseQuery } from '../../../src/web/validation/browse-rules.js';
import { parseProduceExtras } from '../../../src/web/validation/produce-extras.js';
import { ClusterHistory } from '../../../src/kafka/cluster-history.js';
import { TourTracker } from '../../../src/web/tour.js';
import { buildPictures } from '../../../src/web/cluster-pictures.js';
import type { ClusterView, GroupView } from '../../../src/kafka/admin-service.js';

test('bytes are shown as text, JSON (re-indented, numbers and strings untouched) or hex', () => {
  assert.deepEqual(formatBytes(null), { format: 'null', text: null, bytes: 0, truncated: false });
  assert.equal(formatBytes(Buffer.from('tab\tand\nnewline')).format, 'text');
  assert.equal(formatBytes(Buffer.from('bell\u0007')).format, 'binary');
  assert.equal(formatBytes(Buffer.from([0xc3, 0x28])).text, 'c328', 'invalid UTF-8 is hex');
  assert.equal(formatBytes(Buffer.from('{not json')).format, 'text');
  const json = '{"n":12345678901234567890,"s":"a \\" , : { [","e":{},"l":[ ],"x":[1,{"y":null}]}';
  const pretty = formatBytes(Buffer.from(json), { pretty: true });
  assert.equal(pretty.format, 'json');
  assert.equal(pretty.text, '{\n  "n": 12345678901234567890,\n  "s": "a \\" , : { [",\n  "e": {},\n  "l": [],\n  "x": [\n    1,\n    {\n      "y": null\n    }\n  ]\n}');
  assert.deepEqual(JSON.parse(prettyJson(json)), JSON.parse(json));
  assert.equal(formatBytes(Buffer.from(json)).text, json, 'the API keeps the exact text');
  const cut = formatBytes(Buffer.alloc(100, 0xff), { maxChars: 10 });
  assert.deepEqual([cut.format, cut.text, cut.truncated, cut.bytes], ['binary', 'ffffffffff', true, 100]);
  assert.equal(spacedHex('deadbeef'), 'de ad be ef');
});

test('cursors round-trip and refuse anything else', () => {
  const c = { direction: 'older' as const, offsets: new Map([[2, 40n], [0, 12n]]) };
  assert.equal(encodeCursor(c), 'older.0-12.2-40');
  assert.deepEqual(decodeCursor('older.0-12.2-40'), { direction: 'older', offsets: new Map([[0, 12n], [2, 40n]]) });
  for (const bad of ['', 'older', 'sideways.0-1', 'newer.0-', 'newer.a-1', 'newer.0-1.x', 'newer.0-99999999999999999999']) assert.equal(decodeCursor(bad), undefined, bad);
});

test('browse query: defaults, each start form, and one error per bad parameter', () => {
  assert.deepEqual(parseBrowseQuery({}).result, { partition: undefined, from: { kind: 'end' }, limit: 100, cursor: undefined });
  assert.deepEqual(parseBrowseQuery({ from: 'offset:7', partition: '2', limit: '500' }).result?.from, { kind: 'offset', offset: 7n });
  assert.deepEqual(parseBrowseQuery({ from: 'offset', offset: '9' }).result?.from, { kind: 'offset', offset: 9n }, 'the form sends the offset apart');
  assert.deepEqual(parseBrowseQuery({ from: 'time:2024-05-01T12:00:00Z' }).result?.from, { kind: 'time', timestamp: Date.parse('2024-05-01T12:00:00Z') });
  assert.deepEqual(parseBrowseQuery({ from: 'time', time: '1714564800000' }).result?.from, { kind: 'time', timestamp: 1714564800000 });
  assert.equal(parseBrowseQuery({ partition: 'all' }).result?.partition, undefined);
  const bad = parseBrowseQuery({ partition: '-1', from: 'time:noon', limit: '501', cursor: 'x' });
  assert.deepEqual(Object.keys(bad.errors).sort(), ['cursor', 'from', 'limit', 'partition']);
  assert.equal(bad.result, undefined);
});

test('produce options: header rows from the form, an object from JSON, partition, burst', () => {
  const form = parseProduceExtras({ headerName: ['a', '', 'b'], headerValue: ['1', '', ''], partition: '2', count: '50', keyMode: 'random' }, 'form');
  assert.deepEqual(form.result, { headers: [{ name: 'a', value: '1' }, { name: 'b', value: '' }], partition: 2, count: 50, keyMode: 'random' });
  assert.deepEqual(parseProduceExtras({ headers: { x: 'y' }, partition: 0, count: 1 }, 'json').result, { headers: [{ name: 'x', value: 'y' }], partition: 0, count: 1, keyMode: 'prefix' });
  assert.deepEqual(parseProduceExtras({}, 'json').result, { headers: [], partition: undefined, count: 1, keyMode: 'prefix' });
  const errs = (b: unknown, s: 'form' | 'json' = 'json') => Object.keys(parseProduceExtras(b, s).errors);
  assert.deepEqual(errs({ headerName: [''], headerValue: ['v'] }, 'form'), ['headers']);
  assert.deepEqual(errs({ headers: ['a'] }), ['headers']);
  assert.deepEqual(errs({ headers: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`h${i}`, 'v'])) }), ['headers']);
  assert.deepEqual(errs({ headers: { ['n'.repeat(257)]: 'v' } }), ['headers']);
  assert.deepEqual(errs({ headers: { ['é'.repeat(128)]: 'v' } }), [], '256 bytes is the limit');
  assert.deepEqual(parseProduceExtras({ headers: { big: 'x'.repeat(4097) } }, 'json').errors.headers, { key: 'validation.headers.tooLarge', params: { name: 'big', max: 4096, actual: 4097 } });
  assert.deepEqual(errs({ partition: 'one' }), ['partition']);
  assert.deepEqual(errs({ partition: -1 }), ['partition']);
  assert.deepEqual(errs({ count: 0 }), ['count']);
  assert.deepEqual(errs({ count: 10_001 }), ['count']);
  assert.deepEqual(errs({ keyMode: 'sequential' }), ['keyMode']);
});

function group(groupId: string, state: string, members: Array<[string, string, number[]]>): GroupView {
  return {
    groupId,
    state,
    protocolType: 'consumer',
    protocol: 'RoundRobinAssigner',
    members: members.map(([memberId, instance, ps]) => ({ memberId, clientId: 'c', clientHost: '/127.0.0.1', instance, assignment: ps.map((partition) => ({ topic: 't', partition })) })),
    offsets: [0, 1, 2].map((p) => {
      const owner = members.find(([, , ps]) => ps.includes(p));
      return { topic: 't', partition: p, committedOffset: '5', endOffset: '10', lag: '5', memberId: owner?.[0] ?? null, instance: owner?.[1] ?? null };
    }),
  };
}

const view = (...groups: GroupView[]): ClusterView => ({
  fetchedAt: new Date().toISOString(),
  topics: [{ name: 't', partitions: [0, 1, 2].map((partition) => ({ partition, logStartOffset: '0', endOffset: '10' })) }],
  groups,
});

test('history: one timeline entry per settled change, generations from heartbeats, and the tour sees split and move', () => {
  let now = 1_000_000;
  const h = new ClusterHistory({ now: () => now });
  h.record(view(group('g', 'Stable', [['m1', 'a', [0, 1, 2]]])));
  h.noteGeneration('g', 'm1', 1);
  now += 1000;
  h.record(view(group('g', 'Stable', [['m1', 'a', [0, 1, 2]]])));
  h.record(view(group('g', 'PreparingRebalance', [['m1', 'a', []], ['m2', 'b', []]])));
  now += 1000;
  h.noteJoin('g');
  h.record(view(group('g', 'Stable', [['m1', 'a', [0, 2]], ['m2', 'b', [1]]])));
  h.noteGeneration('g', 'm1', 2);
  const tour = new TourTracker();
  const split = () => tour.steps(h, ['g']).find((s) => s.id === 'split')!;
  const moved = () => tour.steps(h, ['g']).find((s) => s.id === 'moved')!;
  assert.deepEqual(h.rebalances('g').map((e) => [e.members.length, e.generation]), [[1, 1], [2, 2]]);
  assert.equal(split().done, true);
  assert.equal(moved().done, false);
  now += 1000;
  h.record(view(group('g', 'Stable', [['m1', 'a', [0, 1, 2]]])));
  assert.equal(moved().done, true);
  assert.deepEqual(moved().detail, { group: 'g', gone: 'b', partitions: 't:1', to: 'a' });

  const pictures = buildPictures({ view: view(group('g', 'Stable', [['m1', 'a', [0, 1, 2]]])), history: h, topic: 't', group: 'g', me: 'a', now });
  assert.deepEqual(pictures.lanes.map((l) => [l.partition, l.owner, l.committed, l.endOffset]), [[0, 'a', '5', '10'], [1, 'a', '5', '10'], [2, 'a', '5', '10']]);
  assert.ok(pictures.lanes.every((l) => l.doneW > 0 && l.doneW < l.logW), 'the consumed part is half the log');
  assert.deepEqual(pictures.legend.map((l) => [l.instance, l.you]), [['a', true], ['b', false]]);
  assert.equal(pictures.timeline[0]!.cells.map((c) => c.owner).join(), 'a,a,a');
});

test('the tour notices a replay only when the same record is read under another group', () => {
  const tour = new TourTracker();
  const m = (group: string, offset: string) => ({ receivedAt: new Date(), topic: 't', partition: 0, offset, key: null, value: 'v', headers: {}, instance: 'a', group });
  tour.consumed(m('g1', '0'));
  tour.consumed(m('g1', '0'));
  tour.consumed(m('g2', '1'));
  assert.equal(tour.steps(undefined, []).find((s) => s.id === 'replayed')!.done, false, 'redelivery in one group or new offsets are no replay');
  tour.consumed(m('g2', '0'));
  assert.deepEqual(tour.steps(undefined, []).find((s) => s.id === 'replayed')!.detail, { group: 'g2', first: 'g1', partition: 0, offset: '0' });
});
