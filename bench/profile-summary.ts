// Summarise a .cpuprofile: `npx tsx bench/profile-summary.ts <file.cpuprofile> [top] [start-marker]`.
// With a start marker (e.g. src/broker/server/), samples before the first stack touching it are left out.
import { formatSummary, summariseProfile } from './lib/profile.js';

const [file, top, marker] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]');
  process.exit(2);
}
console.log(formatSummary(summariseProfile(file, top ? Number(top) : 15, marker)));
