/** The PostgreSQL schema (also used by PGlite). `schema/sqlite/` mirrors it table by table. */
export * from './blocks.js';
export * from './configuration.js';
export * from './deployments.js';
export * from './limits.js';
export * from './logs.js';
export * from './runs.js';
export * from './work.js';
