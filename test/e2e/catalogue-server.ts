// A catalogue server on 127.0.0.1 (port 0) for the end-to-end tests (the server lives in the test
// process, so commands are run with the asynchronous runner of cli.ts, re-exported here).
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from './cli.js';

/** How the server answers: a body with a status, or a dropped connection (the network is "down"). */
export type Mode = { readonly status: number; readonly body: string; readonly type?: string } | 'down';

/** A catalogue server that counts requests; its answer can be changed between commands. */
export interface CatalogueServer {
  readonly url: string;
  /** Requests received so far. */
  readonly requests: number;
  /** Answers every request this way from now on. */
  answer(mode: Mode): void;
  /** Answers the next `n` requests with `mode`, then goes back to the current answer. */
  answerNext(n: number, mode: Mode): void;
  close(): Promise<void>;
}

/** Starts a catalogue server on 127.0.0.1, port 0 (the system picks a free one). */
export async function startCatalogueServer(initial: Mode): Promise<CatalogueServer> {
  let mode = initial;
  const queue: Mode[] = [];
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    const m = queue.shift() ?? mode;
    if (m === 'down') {
      req.socket.destroy();
      return;
    }
    res.writeHead(m.status, { 'content-type': m.type ?? 'application/json' });
    res.end(m.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}/catalogue.json`,
    get requests() {
      return requests;
    },
    answer(m) {
      mode = m;
    },
    answerNext(n, m) {
      for (let i = 0; i < n; i++) queue.push(m);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

/** A 200 answer with a JSON body. */
export const ok = (doc: unknown): Mode => ({ status: 200, body: JSON.stringify(doc, null, 2) });

export { weftAsync, weftJsonAsync, type Envelope } from './cli.js';

/** A temporary project holding copies of the catalogue fixtures (steps, pipelines, a catalogue file). */
export function catalogueProject(dirs: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-catalogue-'));
  dirs.push(dir);
  const src = join(FIXTURES, 'catalogue');
  for (const f of readdirSync(src)) cpSync(join(src, f), join(dir, f));
  return dir;
}
