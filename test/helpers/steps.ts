/**
 * One scenario in steps, for tests whose steps share expensive state (app processes, a group):
 * each step is a subtest of the one test that set that state up, so no top-level test depends
 * on another having run first, and a step after a failed one is skipped instead of failing for
 * a reason that is not its own.
 *
 *   test('scenario', async (t) => {
 *     const step = stepper(t);
 *     await step('first', async () => { ... });
 *     await step('then', async () => { ... });
 *   });
 */
import type { TestContext } from 'node:test';

export function stepper(t: TestContext): (name: string, fn: () => Promise<void>) => Promise<void> {
  let failed: string | undefined;
  return (name, fn) =>
    t.test(name, { skip: failed ? `the earlier step "${failed}" failed` : false }, async () => {
      try {
        await fn();
      } catch (err) {
        failed = name;
        throw err;
      }
    });
}
