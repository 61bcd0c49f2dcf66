// --offline: network use inside steps is refused with NETWORK_REFUSED (on worker threads too), and
// `weft validate --offline` reports step modules that import network modules or call fetch.
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, tempProjects, weft, weftJson, weftJsonAsync } from './cli.js';

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

describe('weft --offline: the ways around a JS-level guard are closed', () => {
  // The server runs in this process, so `weft` is started without blocking it (weftJsonAsync).
  let server: Server;
  let port = 0;
  const peers: number[] = []; // the remote port of every connection the server accepted
  const probePorts = new Set<number>();
  const waiting = new Map<number, () => void>();
  beforeAll(async () => {
    server = createServer((socket) => {
      const peer = socket.remotePort ?? -1;
      peers.push(peer);
      waiting.get(peer)?.();
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  /**
   * How many connections (other than probes) reached the server, once every connection made so far
   * has been accepted: a probe connection is accepted after every earlier one (the backlog is FIFO).
   */
  const reached = async (): Promise<number> => {
    await new Promise<void>((resolve, reject) => {
      const probe = connect(port, '127.0.0.1');
      probe.on('error', reject);
      probe.on('connect', () => {
        const own = probe.localPort!;
        probePorts.add(own);
        const done = (): void => {
          probe.destroy();
          resolve();
        };
        if (peers.includes(own)) done();
        else waiting.set(own, done);
      });
    });
    return peers.filter((p) => !probePorts.has(p)).length;
  };
  const escape = (name: string, extra: readonly string[], dir: string) =>
    weftJsonAsync(
      ['run', join(OFFLINE, `escape-${name}.json`), '--input', JSON.stringify({ port }), ...extra],
      dir,
    );

  it('without --offline, a child process, a worker with execArgv: [] and process.binding reach the server', async () => {
    const dir = project();
    for (const name of ['child', 'worker', 'binding']) {
      const before = await reached();
      const r = await escape(name, ['--no-cache'], dir);
      expect(r.code, `${name}: ${r.stdout}`).toBe(0);
      expect(r.env.result.output).toBe('connected');
      expect(await reached(), name).toBeGreaterThan(before);
    }
  }, 120_000);

  for (const orchestrator of ['workers', 'direct']) {
    it(`refuses them all with NETWORK_REFUSED, and nothing reaches the server (${orchestrator})`, async () => {
      const dir = project();
      const before = await reached();
      const expected: Record<string, string> = {
        child: 'child processes are refused',
        worker: 'net.connect()',
        binding: 'process.binding("tcp_wrap")',
        resolver: 'dns.Resolver.resolve4()',
        udp: 'dgram.Socket.send()',
        addon: 'native addons are refused',
      };
      for (const [name, message] of Object.entries(expected)) {
        const r = await escape(name, ['--offline', '--orchestrator', orchestrator], dir);
        expect(r.code, `${name}: ${r.stdout}`).toBe(1);
        expect(r.env.error?.code, name).toBe('NETWORK_REFUSED');
        expect(r.env.error?.message, name).toContain(message);
      }
      expect(await reached()).toBe(before);
    }, 240_000); // twelve runs in a row on a loaded machine: a budget, not a timing assertion
  }

  it('puts worker threads under Node permission model (no child processes even through internals)', async () => {
    const dir = project();
    const r = await escape('permission', ['--offline'], dir);
    expect(r.code, r.stdout).toBe(0);
    expect(r.env.result.output).toEqual({ model: 'object', childProcess: false });
    const plain = await escape('permission', ['--no-cache'], dir);
    expect(plain.env.result.output).toEqual({ model: 'undefined', childProcess: null });
  });

  it('validate --offline reports child processes, process.binding, addons, and lists worker threads', () => {
    const dir = project();
    const r = weftJson(['validate', join(OFFLINE, 'escape-child.json'), '--offline'], dir);
    expect(r.code).toBe(2);
    expect(r.env.error?.code).toBe('NETWORK_REFUSED');
    const uses = r.env.error?.data.network as { uses: string; kind: string }[];
    expect(uses.map((u) => [u.kind, u.uses])).toEqual(
      expect.arrayContaining([
        ['child-process', 'node:child_process'],
        ['network', 'node:dgram'],
        ['network', 'node:dns'],
        ['internals', 'process.binding()'],
        ['addon', 'process.dlopen()'],
      ]),
    );
    expect(r.env.result.network).toContainEqual(
      expect.objectContaining({ kind: 'worker', uses: 'new Worker()', refused: false }),
    );
    expect(r.stderr).toBe('');
    const text = weft(['validate', join(OFFLINE, 'escape-child.json'), '--offline'], dir);
    expect(text.stderr).toContain('starts child processes (node:child_process)');
    expect(text.stderr).toContain("reaches Node's internals (process.binding())");
  });
});
