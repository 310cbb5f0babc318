import pino from 'pino';
import { GroupCoordinator, type GroupCoordinatorOptions } from '../../../src/broker/groups/coordinator.js';
import { MemoryOffsetStore } from '../../../src/broker/groups/memory-offset-store.js';
import type { JoinGroupInput, JoinGroupOutcome } from '../../../src/broker/groups/types.js';

export const silent = pino({ level: 'silent' });

const live: { coordinator: GroupCoordinator; keepAlive: NodeJS.Timeout }[] = [];

/**
 * A coordinator with timeouts short enough for expiry tests to run in well under a second.
 * Its timers are unref'd (in the broker the listening socket keeps the process up), so a ref'd
 * interval stands in for that socket until closeAll().
 */
export function makeCoordinator(
  overrides: Partial<GroupCoordinatorOptions> = {},
): { coordinator: GroupCoordinator; offsets: MemoryOffsetStore } {
  const offsets = new MemoryOffsetStore();
  const coordinator = new GroupCoordinator({
    offsets,
    initialRebalanceDelayMs: 20,
    minSessionTimeoutMs: 50,
    maxSessionTimeoutMs: 60_000,
    logger: silent,
    ...overrides,
  });
  live.push({ coordinator, keepAlive: setInterval(() => {}, 1_000) });
  return { coordinator, offsets };
}

/** Closes every coordinator made so far and drops the keep-alive handles (call from afterEach). */
export function closeAll(): void {
  for (const { coordinator, keepAlive } of live.splice(0)) {
    coordinator.close();
    clearInterval(keepAlive);
  }
}

export function joinInput(overrides: Partial<JoinGroupInput> = {}): JoinGroupInput {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    clientId: 'client',
    clientHost: '127.0.0.1',
    sessionTimeoutMs: 5_000,
    rebalanceTimeoutMs: 5_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('meta') }],
    requireKnownMemberId: true,
    ...overrides,
  };
}

/** JoinGroup v4+ style: fetch a member id with MEMBER_ID_REQUIRED, then join with it (parked). */
export async function joinWithHandshake(
  c: GroupCoordinator,
  overrides: Partial<JoinGroupInput> = {},
): Promise<{ memberId: string; joined: Promise<JoinGroupOutcome> }> {
  const first = await c.joinGroup(joinInput(overrides));
  if (first.errorCode !== 79) throw new Error(`expected MEMBER_ID_REQUIRED, got ${first.errorCode}`);
  return { memberId: first.memberId, joined: c.joinGroup(joinInput({ ...overrides, memberId: first.memberId })) };
}

/** Whether the promise is still unsettled after pending I/O callbacks have run. */
export async function isPending(p: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  const winner = await Promise.race([p, new Promise((r) => setImmediate(() => r(marker)))]);
  return winner === marker;
}
