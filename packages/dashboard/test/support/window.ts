// The page's probe (window.__weft) typed in the tests' page.evaluate callbacks.
export type { WeftProbe } from '../../src/ui/instrument.js';
