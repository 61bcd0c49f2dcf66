// The offline guard, preloaded with `node --require` so that it runs in the main thread and in
// every worker thread: each network entry point of Node (net, tls, http, https, http2, dns, dgram,
// fetch, WebSocket) throws a NETWORK_REFUSED Weft error. Branded like WeftError so that it keeps its
// code when it crosses threads.
/* eslint-disable */
const { syncBuiltinESMExports } = require('node:module');

function refusal(what: string): Error {
  const e = new Error(`network use refused (weft --offline): ${what}`) as Error & Record<string, unknown>;
  e.name = 'WeftError';
  e['__weftError'] = true;
  e['code'] = 'NETWORK_REFUSED';
  e['retryable'] = false;
  e['data'] = { api: what };
  return e;
}

function block(mod: Record<string, unknown>, name: string, keys: readonly string[]): void {
  for (const k of keys) {
    if (typeof mod[k] !== 'function') continue;
    mod[k] = function refused() {
      throw refusal(`${name}.${k}()`);
    };
  }
}

const net = require('node:net');
block(net, 'net', ['connect', 'createConnection', 'createServer']);
net.Socket.prototype.connect = function refused() {
  throw refusal('net.Socket.connect()');
};
net.Server.prototype.listen = function refused() {
  throw refusal('net.Server.listen()');
};
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
block(require('node:dgram'), 'dgram', ['createSocket']);
const g = globalThis as Record<string, unknown>;
for (const k of ['fetch', 'WebSocket', 'EventSource']) {
  if (typeof g[k] === 'function') {
    g[k] = function refused() {
      throw refusal(`${k}()`);
    };
  }
}
syncBuiltinESMExports();
g['__weftOffline'] = true;
