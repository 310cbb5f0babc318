// Public surface of the embedded broker library. It imports nothing from the web app.
export { startBroker, type BrokerOptions, type BrokerStats, type RunningBroker } from './broker.js';
export { DEFAULT_BROKER_CONFIG, type BrokerConfig } from './config.js';
export { DataDirLockedError, readDataDirLock, releaseDataDirLock, isLiveBrokerPid, type LockInfo } from './storage/data-dir-lock.js';
export { ErrorCode } from './protocol/errors.js';
export { partitionKey } from './protocol/topic-partition.js';
export { silentLogger, type BrokerLogger, type LogFn } from './logger.js';
export { LogThrottle, type LogThrottleOptions, type ThrottledLevel } from './server/log-throttle.js';
