import { brokerMemory } from './parts/memory.js';
import { markdownTable } from './lib/report.js';
const r = await brokerMemory({ log: console.error });
console.log(markdownTable(r.rows));
