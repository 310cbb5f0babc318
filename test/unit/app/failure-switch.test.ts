import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { FailureSwitch } from '../../../src/kafka/failure-switch.js';
import type { ConsumedRecord } from '../../../src/kafka/gateway/index.js';

const logger = pino({ level: 'silent' });
const record = (offset: number): ConsumedRecord => ({ topic: 't', partition: 0, offset: String(offset), key: null, value: 'v', headers: {}, timestamp: '0' });

/** Runs a record through the hooks in the worker's order: beforeStore, (store), shouldCommit. */
async function handle(sw: FailureSwitch, offset: number): Promise<boolean> {
  await sw.hooks.beforeStore!(record(offset));
  return sw.hooks.shouldCommit!(record(offset));
}

test('none: every message is committed, nothing is counted', async () => {
  const exits: number[] = [];
  const sw = new FailureSwitch({ mode: 'none', afterMessages: 1, stallMs: 10, logger, exit: (c) => exits.push(c) });
  for (let i = 0; i < 5; i++) assert.equal(await handle(sw, i), true);
  assert.deepEqual(exits, []);
  assert.equal(sw.status().handled, 0);
});

test('no-commit-crash: N messages without a single commit, exit(1) on the Nth, then off', async () => {
  const exits: number[] = [];
  const sw = new FailureSwitch({ mode: 'no-commit-crash', afterMessages: 3, stallMs: 10, logger, exit: (c) => exits.push(c) });
  assert.equal(sw.status().remaining, 3);
  assert.equal(await handle(sw, 0), false);
  assert.equal(await handle(sw, 1), false);
  assert.equal(sw.status().remaining, 1);
  assert.deepEqual(exits, []);
  assert.equal(await handle(sw, 2), false, 'the Nth is not committed either');
  assert.deepEqual(exits, [1]);
  assert.equal(sw.status().exiting, true);
  assert.equal(sw.status().mode, 'none');
});

test('stall: the Nth message blocks for stallMs before it is stored; status shows it; it acts once', async () => {
  const sw = new FailureSwitch({ mode: 'stall', afterMessages: 2, stallMs: 150, logger });
  assert.equal(await handle(sw, 0), true, 'messages before the Nth are committed normally');
  let done = false;
  const stalled = sw.hooks.beforeStore!(record(1))!.then(() => (done = true));
  // Still blocked once pending callbacks have run (a fixed sleep here would race the 150 ms stall
  // on a loaded machine); how long it blocked is checked from the recorded times below.
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false, 'still blocked');
  const during = sw.status();
  assert.equal(during.stalling?.offset, '1');
  assert.equal(during.stalling!.until.getTime() - during.stalling!.since.getTime(), 150);
  await stalled;
  const after = sw.status();
  assert.equal(after.stalling, undefined);
  assert.equal(after.lastStall?.aborted, false);
  assert.ok(after.lastStall!.endedAt.getTime() - after.lastStall!.startedAt.getTime() >= 140);
  assert.equal(after.mode, 'none');
  assert.equal(await handle(sw, 2), true, 'no second stall');
});

test('turning the switch off (or shutting down) ends a stall early; arming again restarts the count', async () => {
  const sw = new FailureSwitch({ mode: 'stall', afterMessages: 1, stallMs: 60_000, logger });
  const changes: string[] = [];
  sw.on('change', (s) => changes.push(s.stalling ? 'stalling' : s.mode));
  const stalled = sw.hooks.beforeStore!(record(0));
  assert.ok(sw.status().stalling);
  sw.arm('none');
  await stalled;
  assert.equal(sw.status().lastStall?.aborted, true);
  assert.ok(changes.includes('stalling'));

  sw.arm('no-commit-crash', 4);
  assert.deepEqual([sw.status().mode, sw.status().remaining, sw.status().handled], ['no-commit-crash', 4, 0]);
  sw.arm('none');
  sw.abortStall();
});
