/** `freePort()`: a loopback port that was free a moment ago (one implementation for tests, scripts and bench). */
export { freePort } from '../../scripts/lib/ports.js';
