// Optional peers (tinypool, workerpool, LangGraph.js): a peer that is not installed leaves its case
// out with a reason naming the package to install (how `weft bench` works when installed from npm);
// a peer that is installed but broken is an error, never a silent skip.
import { describe, expect, it } from 'vitest';
import { formatSuite, type SuiteResult } from '../dist/index.js';
import { optionalPeer, peerMissing } from '../dist/suites/peers-shared.js';

describe('optionalPeer', () => {
  it('loads an installed peer', async () => {
    const tinypool = await optionalPeer(['tinypool'], () => import('tinypool'));
    expect(typeof tinypool?.Tinypool).toBe('function');
  });

  it('is undefined for a peer that is not installed', async () => {
    const missing = 'weft-no-such-peer-package';
    expect(await optionalPeer([missing], () => import(missing))).toBeUndefined();
  });

  it('throws MODULE_NOT_FOUND for a peer that fails to load for another reason', async () => {
    const broken = optionalPeer(['tinypool'], () => Promise.reject(new SyntaxError('Unexpected token')));
    await expect(broken).rejects.toMatchObject({ code: 'MODULE_NOT_FOUND' });
    // A missing package other than the peer's own is not the peer being absent.
    const dependency = 'weft-no-such-dependency';
    const other = optionalPeer(['tinypool'], () => import(dependency));
    await expect(other).rejects.toMatchObject({ code: 'MODULE_NOT_FOUND' });
  });

  it('reports a skipped case under the table, naming what to install', () => {
    const skipped = peerMissing(['@langchain/langgraph', '@langchain/core'], 'langgraph.js');
    expect(skipped.reason).toContain('npm install @langchain/langgraph @langchain/core');
    const suite: SuiteResult = {
      name: 's',
      description: 'd',
      unit: 'item',
      baseline: 'a',
      params: {},
      cases: [],
      skipped: [skipped],
      targets: [],
      smoke: true,
      runs: 1,
      durationMs: 1,
    };
    expect(formatSuite(suite)).toContain(
      '  skipped  langgraph.js: "@langchain/langgraph" and "@langchain/core" not installed',
    );
  });
});
