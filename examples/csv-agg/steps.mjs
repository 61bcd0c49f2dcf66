// Aggregating a large CSV: sales per region and product over a generated file of millions of rows.
//   generate: writes data/sales-<rows>.csv once (deterministic; kept between runs)
//   ranges  : cuts the file into byte ranges that end on line breaks (one map item each)
//   aggregate: map — parses one range and sums quantity and revenue per (region, product)
//   merge   : adds the partial sums, writes out/summary.csv, returns the totals
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REGIONS = ['north', 'south', 'east', 'west', 'central'];
const PRODUCTS = Array.from({ length: 40 }, (_, i) => `sku-${String(i).padStart(3, '0')}`);

function atomicWrite(file, data) {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  writeSync(fd, data);
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, file);
}

/** Writes the CSV unless it is already there; returns its path and size. */
export function generate({ rows = 3_000_000, seed = 7 } = {}) {
  const dir = join(HERE, 'data');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `sales-${rows}-${seed}.csv`);
  try {
    return { file, bytes: statSync(file).size };
  } catch {
    // not there yet: generate it below
  }
  let x = seed >>> 0 || 1;
  const rand = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  writeSync(fd, 'date,region,product,quantity,unit_price\n');
  const batch = [];
  for (let i = 0; i < rows; i++) {
    const day = String(1 + Math.floor(rand() * 28)).padStart(2, '0');
    const month = String(1 + Math.floor(rand() * 12)).padStart(2, '0');
    batch.push(
      `2026-${month}-${day},${REGIONS[Math.floor(rand() * REGIONS.length)]},${PRODUCTS[Math.floor(rand() * rand() * PRODUCTS.length)]},${1 + Math.floor(rand() * 20)},${(1 + rand() * 99).toFixed(2)}`,
    );
    if (batch.length === 50_000) {
      writeSync(fd, batch.join('\n') + '\n');
      batch.length = 0;
    }
  }
  if (batch.length) writeSync(fd, batch.join('\n') + '\n');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, file);
  return { file, bytes: statSync(file).size };
}

/** Byte ranges of about `ctx.params.megabytes` MB, each ending just after a line break. */
export function ranges({ file, bytes }, ctx) {
  const size = (ctx.params.megabytes ?? 8) * 1_000_000;
  const fd = openSync(file, 'r');
  const probe = Buffer.alloc(4096);
  const out = [];
  try {
    // Skip the header line.
    readSync(fd, probe, 0, probe.length, 0);
    let start = probe.indexOf(10) + 1;
    while (start < bytes) {
      let end = Math.min(bytes, start + size);
      if (end < bytes) {
        const n = readSync(fd, probe, 0, probe.length, end);
        const nl = probe.subarray(0, n).indexOf(10);
        end = nl < 0 ? bytes : end + nl + 1;
      }
      out.push({ file, start, end });
      start = end;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/** Parses one range; sums quantity and revenue (in cents) per region and product. */
export function aggregate({ file, start, end }) {
  const buf = Buffer.allocUnsafe(end - start);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, buf.length, start);
  } finally {
    closeSync(fd);
  }
  const sums = {};
  let rows = 0;
  for (const line of buf.toString('latin1').split('\n')) {
    if (line.length === 0) continue;
    const [, region, product, qty, price] = line.split(',');
    const key = `${region},${product}`;
    const s = (sums[key] ??= [0, 0]);
    const q = Number(qty);
    s[0] += q;
    s[1] += Math.round(q * Number(price) * 100);
    rows++;
  }
  return { rows, sums };
}

/** Adds the partial sums; writes out/summary.csv sorted by revenue; returns totals and the top lines. */
export function merge(parts) {
  const total = new Map();
  let rows = 0;
  for (const p of parts) {
    rows += p.rows;
    for (const [k, [q, c]] of Object.entries(p.sums)) {
      const t = total.get(k) ?? [0, 0];
      t[0] += q;
      t[1] += c;
      total.set(k, t);
    }
  }
  const lines = [...total].sort((a, b) => b[1][1] - a[1][1] || (a[0] < b[0] ? -1 : 1));
  const out = join(HERE, 'out');
  mkdirSync(out, { recursive: true });
  atomicWrite(
    join(out, 'summary.csv'),
    'region,product,quantity,revenue\n' +
      lines.map(([k, [q, c]]) => `${k},${q},${(c / 100).toFixed(2)}`).join('\n') +
      '\n',
  );
  const revenue = lines.reduce((a, [, [, c]]) => a + c, 0) / 100;
  return {
    rows,
    groups: lines.length,
    revenue: revenue.toFixed(2),
    top: lines.slice(0, 5).map(([k, [q, c]]) => `${k}: ${q} units, ${(c / 100).toFixed(2)}`),
  };
}
