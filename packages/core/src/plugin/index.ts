// The plugin seam, published as `@weft/core/plugin`: the types a plugin implements and the loader
// the entry points (the CLI, `weft serve`) use.
export type * from './types.js';
export { loadPlugins, type LoadedPlugins, type PluginSpec } from './load-plugins.js';
export { markWeftWorker, assertNotInWeftWorker } from '../engine/worker-guard.js';
