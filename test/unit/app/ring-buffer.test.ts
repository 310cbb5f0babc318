import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingBuffer } from '../../../src/messages/ring-buffer.js';
import { MessageStore, type StoredMessage } from '../../../src/messages/store.js';

test('keeps at most `capacity` items, newest first', () => {
  const ring = new RingBuffer<number>(3);
  assert.deepEqual(ring.newestFirst(), []);
  ring.push(1);
  ring.push(2);
  assert.deepEqual(ring.newestFirst(), [2, 1]);
  ring.push(3);
  assert.equal(ring.push(4), 1, 'push reports the evicted oldest item');
  ring.push(5);
  assert.equal(ring.size, 3);
  assert.deepEqual(ring.newestFirst(), [5, 4, 3]);
  assert.deepEqual(ring.newestFirst(2), [5, 4]);
});

test('wraps around many times without losing order', () => {
  const ring = new RingBuffer<number>(7);
  for (let i = 0; i < 1000; i++) ring.push(i);
  assert.deepEqual(ring.newestFirst(), [999, 998, 997, 996, 995, 994, 993]);
});

test('insertion overwrites a slot in place instead of shifting the array (O(1))', () => {
  const ring = new RingBuffer<object>(4);
  // Reach into the storage: a shifting implementation would move every slot on each push.
  const slots = (ring as unknown as { slots: unknown[] }).slots;
  const items = Array.from({ length: 6 }, (_, i) => ({ i }));
  for (const item of items.slice(0, 4)) ring.push(item);
  const before = [...slots];
  ring.push(items[4]!);
  const changed = slots.filter((s, idx) => s !== before[idx]);
  assert.equal(changed.length, 1, 'exactly one slot changes per push when full');
  assert.equal(slots.length, 4, 'storage never grows');
});

test('capacity must be a positive integer', () => {
  assert.throws(() => new RingBuffer(0), RangeError);
  assert.throws(() => new RingBuffer(1.5), RangeError);
});

test('capacity 1 keeps only the latest', () => {
  const ring = new RingBuffer<string>(1);
  ring.push('a');
  ring.push('b');
  assert.deepEqual(ring.newestFirst(), ['b']);
});

test('MessageStore emits each added message and returns newest first', () => {
  const store = new MessageStore(2);
  const seen: string[] = [];
  store.on('message', (m) => seen.push(m.offset));
  const msg = (offset: string): StoredMessage => ({
    receivedAt: new Date(),
    topic: 't',
    partition: 0,
    offset,
    key: null,
    value: 'v',
    headers: {},
    instance: 'i',
    group: 'g',
  });
  store.add(msg('1'));
  store.add(msg('2'));
  store.add(msg('3'));
  assert.deepEqual(seen, ['1', '2', '3']);
  assert.deepEqual(store.newestFirst().map((m) => m.offset), ['3', '2']);
  assert.equal(store.size, 2);
});
