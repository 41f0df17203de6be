// @dtm/server as a library: what an embedding process (the rehearsal, tests, a supplier's own
// wrapper) needs to run a DTM and administer it. The CLI (cli.ts) uses the same pieces.
export { startServer, openPool, type RunningServer, type StartOptions } from './main.ts';
export { loadConfig, ENV_VARS, type Config } from './config.ts';
export { systemClock, ManualClock, type Clock } from './clock.ts';
export { createLogger, type Logger } from './logger.ts';
export { addClient, addGrant, AdminError } from './services/admin.ts';
export { generatePractice, type SyntheticPractice, type SyntheticBinary } from './seed/synthetic-practice.ts';
export { publishPractice } from './seed/publish.ts';
export { playWorkingWeek, type ActivityTick } from './seed/activity.ts';
