/**
 * Differential test: every scenario sends the same raw requests to a fresh embedded broker and
 * to Apache Kafka 3.9.1 (the run's, or one this file starts: it always runs against both), decodes
 * both answers the same way and compares them field by field. Only the allow-listed fields are
 * normalised first (normalise() in compare.ts; the reasons are in docs/compatibility.md); any
 * other difference fails the test.
 */
import { after, before, describe, test } from 'node:test';
import { compareScenario, startBrokers, suiteTitle, type Brokers } from './compare.js';
import { scenarios } from './scenarios.js';

const VERSION = '3.9.1';

let brokers: Brokers | undefined;
before(async () => {
  brokers = await startBrokers(VERSION, [], scenarios);
});
after(() => brokers?.cleanup());

describe(suiteTitle(VERSION), () => {
  for (const s of scenarios) test(s.name, { timeout: 120_000 }, () => compareScenario(brokers!, s));
});
