import { describe, expect, it } from 'vitest';
import { weftCommand } from '../src/commands/init-starter.js';

describe('weftCommand (how init says to start weft)', () => {
  it('names npx weft for a local install, weft for a global one, else node and the path', () => {
    expect(weftCommand('/p', '/p/node_modules/.bin/weft')).toBe('npx weft');
    expect(weftCommand('/p', '/p/node_modules/@weft/cli/dist/bin.js')).toBe('npx weft');
    expect(weftCommand('/p', '/usr/local/bin/weft')).toBe('weft');
    expect(weftCommand('/repo', '/repo/packages/cli/dist/bin.js')).toBe('node packages/cli/dist/bin.js');
    expect(weftCommand('/tmp/x', '/repo/packages/cli/dist/bin.js')).toBe(
      'node /repo/packages/cli/dist/bin.js',
    );
  });
});
