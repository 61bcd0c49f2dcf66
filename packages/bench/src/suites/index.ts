// Every suite the runner knows, in the order `--suite` lists them. Add new suites here.
import { WeftError } from '@weft/core';
import type { Suite } from '../suite.js';
import { chainSuite } from './chain.js';
import { mapSuite } from './map.js';

/** All suites, in run order. */
export const suites: readonly Suite[] = [chainSuite, mapSuite];

/** The suites with these names, in the order given (all of them when `names` is empty); OPTION_INVALID for an unknown name. */
export function selectSuites(names: readonly string[], from: readonly Suite[] = suites): Suite[] {
  if (names.length === 0) return [...from];
  return names.map((n) => {
    const s = from.find((x) => x.name === n);
    if (!s) throw new WeftError('OPTION_INVALID', `unknown suite "${n}"; the suites are: ${from.map((x) => x.name).join(', ')}`, { data: { suite: n } });
    return s;
  });
}

export { chainSuite, mapSuite };
