import type { Store } from '@weft/core/store';

/** The store of the service under test. */
export function benchStore(): Store {
  throw new Error('the serve suites need @weft/store');
}
