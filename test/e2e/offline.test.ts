// --offline: network use inside steps is refused with NETWORK_REFUSED (on worker threads too), and
// `weft validate --offline` reports step modules that import network modules or call fetch.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, tempProjects, weftJson } from './cli.js';

const OFFLINE = join(FIXTURES, 'offline');
const project = tempProjects();

describe('weft --offline', () => {
  for (const orchestrator of ['workers', 'direct']) {
    for (const api of ['http', 'fetch']) {
      it(`refuses ${api} in a step on ${orchestrator}`, () => {
        const dir = project();
        const r = weftJson(
          ['run', join(OFFLINE, `${api}.json`), '--offline', '--orchestrator', orchestrator],
          dir,
        );
        expect(r.code).toBe(1);
        expect(r.env.error?.code).toBe('NETWORK_REFUSED');
        expect(r.env.error?.message).toContain(api === 'http' ? 'http.request()' : 'fetch()');
      });
    }
  }

  it('validate --offline lists the modules and lines that use the network', () => {
    const dir = project();
    const r = weftJson(['validate', join(OFFLINE, 'http.json'), '--offline'], dir);
    expect(r.code).toBe(2);
    expect(r.env.error?.code).toBe('NETWORK_REFUSED');
    expect(r.env.error?.data.network).toEqual([
      expect.objectContaining({ uses: 'node:http', line: 2 }),
      expect.objectContaining({ uses: 'fetch()' }),
    ]);
    const clean = weftJson(['validate', join(FIXTURES, 'misc', 'sum.json'), '--offline'], dir);
    expect(clean.code).toBe(0);
    expect(clean.env.result.network).toEqual([]);
  });
});
