// The offline guard, preloaded with `node --require` (see node-args.ts) in the `--offline` process
// and in every worker thread it starts, which also run under Node's permission model without
// `--allow-child-process` (the main thread does not: see node-args.ts). Together:
// - every network entry point of Node (net, tls, http, https, http2, dns and its Resolver, dgram and
//   its Socket, fetch, WebSocket, EventSource) throws a NETWORK_REFUSED Weft error;
// - child processes are refused (here with NETWORK_REFUSED; in worker threads the permission model
//   refuses them even through internals), as are process.binding (which reaches tcp_wrap & co.)
//   and inspector.open;
// - every worker thread gets the guard and the permission flags, even one started with
//   `execArgv: []` (in Node 20 such a worker would otherwise run with neither);
// - native addons are refused, except the ones the command itself needs (better-sqlite3, msgpackr).
// Errors are branded like WeftError so that they keep their code when they cross threads.
/* eslint-disable */
const { syncBuiltinESMExports } = require('node:module');

function refusal(what: string, why = 'network use refused (weft --offline)'): Error {
  const e = new Error(`${why}: ${what}`) as Error & Record<string, unknown>;
  e.name = 'WeftError';
  e['__weftError'] = true;
  e['code'] = 'NETWORK_REFUSED';
  e['retryable'] = false;
  e['data'] = { api: what };
  return e;
}

function block(mod: Record<string, unknown>, name: string, keys: readonly string[], why?: string): void {
  for (const k of keys) {
    if (typeof mod[k] !== 'function') continue;
    mod[k] = function refused() {
      throw refusal(`${name}.${k}()`, why);
    };
  }
}

function blockProto(
  proto: Record<string, unknown>,
  name: string,
  keys: readonly string[],
  why?: string,
): void {
  for (const k of keys) {
    if (typeof proto[k] !== 'function') continue;
    proto[k] = function refused() {
      throw refusal(`${name}.${k}()`, why);
    };
  }
}

const net = require('node:net');
block(net, 'net', ['connect', 'createConnection', 'createServer']);
blockProto(net.Socket.prototype, 'net.Socket', ['connect']);
blockProto(net.Server.prototype, 'net.Server', ['listen']);
block(require('node:tls'), 'tls', ['connect', 'createServer']);
block(require('node:http'), 'http', ['request', 'get', 'createServer']);
block(require('node:https'), 'https', ['request', 'get', 'createServer']);
block(require('node:http2'), 'http2', ['connect', 'createServer', 'createSecureServer']);
const dns = require('node:dns');
const dnsKeys = [
  'lookup',
  'lookupService',
  'resolve',
  'resolve4',
  'resolve6',
  'resolveAny',
  'resolveCaa',
  'resolveCname',
  'resolveMx',
  'resolveNs',
  'resolveTxt',
  'resolveSrv',
  'resolvePtr',
  'resolveNaptr',
  'resolveSoa',
  'reverse',
];
block(dns, 'dns', dnsKeys);
block(dns.promises, 'dns.promises', dnsKeys);
blockProto(dns.Resolver.prototype, 'dns.Resolver', dnsKeys);
blockProto(dns.promises.Resolver.prototype, 'dns.promises.Resolver', dnsKeys);
const dgram = require('node:dgram');
block(dgram, 'dgram', ['createSocket']);
blockProto(dgram.Socket.prototype, 'dgram.Socket', ['bind', 'connect', 'send']);
const g = globalThis as Record<string, unknown>;
for (const k of ['fetch', 'WebSocket', 'EventSource']) {
  if (typeof g[k] === 'function') {
    g[k] = function refused() {
      throw refusal(`${k}()`);
    };
  }
}

// Child processes run outside this guard (and outside Node's permission model).
const CHILD = 'child processes are refused (weft --offline: a child process is outside the guard)';
const cp = require('node:child_process');
block(
  cp,
  'child_process',
  ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'],
  CHILD,
);
blockProto(cp.ChildProcess.prototype, 'child_process.ChildProcess', ['spawn'], CHILD);

// process.binding('tcp_wrap') and its kin open sockets beneath every module above.
const INTERNALS = 'refused (weft --offline: it reaches Node internals beneath the guard)';
(process as unknown as Record<string, unknown>)['binding'] = function refused(name: unknown) {
  throw refusal(`process.binding(${JSON.stringify(name)})`, INTERNALS);
};

// Native addons can do anything; only the command's own may load.
const OWN_ADDON = /[\\/](better-sqlite3|msgpackr-extract[^\\/]*|@msgpackr-extract)[\\/]/;
const dlopen = process.dlopen;
process.dlopen = function guardedDlopen(
  this: unknown,
  module: unknown,
  filename: string,
  ...rest: unknown[]
) {
  if (!OWN_ADDON.test(filename))
    throw refusal(
      `the native addon ${filename}`,
      'native addons are refused (weft --offline: an addon is outside the guard)',
    );
  return (dlopen as (...a: unknown[]) => unknown).call(this, module, filename, ...rest);
} as typeof process.dlopen;

// The inspector opens a WebSocket server.
block(require('node:inspector'), 'inspector', ['open']);

// Every worker thread, whatever execArgv it is given (`[]` included), gets this guard and Node's
// permission model (no child processes, no process.binding, no inspector, even through internals).
const { permissionArgs, isPermissionArg } = require('./permission-args.cjs');
const forced: string[] = ['--require', __filename, ...permissionArgs()];
const strip = (args: readonly unknown[]): unknown[] => {
  const out: unknown[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if ((a === '--require' || a === '-r') && args[i + 1] === __filename) i++;
    else if (typeof a !== 'string' || !isPermissionArg(a)) out.push(a);
  }
  return out;
};
const threads = require('node:worker_threads');
const Worker = threads.Worker;
function GuardedWorker(this: unknown, filename: unknown, options?: Record<string, unknown>) {
  if (!new.target) throw new TypeError("Class constructor Worker cannot be invoked without 'new'");
  const own = Array.isArray(options?.['execArgv']) ? (options['execArgv'] as unknown[]) : process.execArgv;
  const opts = { ...(options ?? {}), execArgv: [...forced, ...strip(own)] };
  return Reflect.construct(Worker, [filename, opts], new.target);
}
GuardedWorker.prototype = Worker.prototype;
Object.defineProperty(Worker.prototype, 'constructor', {
  value: GuardedWorker,
  writable: true,
  configurable: true,
});
threads.Worker = GuardedWorker;

syncBuiltinESMExports();
g['__weftOffline'] = true;
