/**
 * Differential test: every scenario sends the same raw requests to a fresh embedded broker and
 * to Apache Kafka 3.9.1 (the run's, or one this file starts: it always runs against both), decodes
 * both answers the same way and compares them field by field. Only the allow-listed fields are
 * normalised first (normalise() in compare.ts; the reasons are in docs/compatibility.md); any
 * other difference fails the test.
 */
import { differentialSuite } from './compare.js';
import { scenarios } from './scenarios.js';

differentialSuite('3.9.1', scenarios);
