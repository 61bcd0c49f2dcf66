// Word frequencies over a generated corpus (the README's main example, run with `weft run`).
//   shards  : one item per corpus file to make
//   generate: map — writes data/corpus/part-NNN.txt (skipped when the file is already there)
//   count   : map — reads one file and counts its words (cached: a second run counts nothing)
//   merge   : the global top words, written to out/top-words.csv
// Paths are relative to this module, so the pipeline runs from any directory.
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** The vocabulary both word-freq pipelines draw from. */
export const VOCAB = (() => {
  // A deterministic vocabulary of syllable words; draws are Zipf-like (a few words are very common).
  const syl = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vo', 'shi', 'en', 'da', 'po', 'li'];
  const words = [];
  for (let i = 0; words.length < 20000; i++) {
    let w = '';
    for (let n = i; ; n = Math.floor(n / syl.length) - 1) {
      w = syl[n % syl.length] + w;
      if (n < syl.length) break;
    }
    words.push(w);
  }
  return words;
})();

/** xorshift32: the same corpus on every machine for the same seed. */
export function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function atomicWrite(file, data) {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  writeSync(fd, data);
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, file);
}

/** One item per corpus file: { index, seed, megabytes }. */
export function shards({ shards = 64, megabytes = 4, seed = 42 } = {}) {
  return Array.from({ length: shards }, (_, index) => ({ index, seed: seed * 1_000_003 + index, megabytes }));
}

/** Writes one corpus file unless it exists with the right size; returns its path, size and mtime. */
export function generate({ index, seed, megabytes }) {
  const dir = join(HERE, 'data', 'corpus');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `part-${String(index).padStart(3, '0')}-${seed}-${megabytes}.txt`);
  const target = megabytes * 1_000_000;
  let st;
  try {
    st = statSync(file);
  } catch {
    st = undefined;
  }
  if (!st || st.size !== target) {
    const next = rng(seed);
    const buf = Buffer.allocUnsafe(target);
    let at = 0;
    let col = 0;
    while (at < target) {
      const r = next();
      const w = VOCAB[Math.floor(r * r * r * VOCAB.length)];
      const sep = ++col % 14 === 0 ? '\n' : ' ';
      if (at + w.length + 1 > target) break;
      at += buf.write(w, at, 'latin1');
      at += buf.write(sep, at, 'latin1');
    }
    buf.fill(' ', at);
    atomicWrite(file, buf);
    st = statSync(file);
  }
  return { file, bytes: st.size, mtimeMs: Math.floor(st.mtimeMs) };
}

/** Counts the words of one file (CPU work). The item carries the file's size and mtime, so an edited file is counted again. */
export function count({ file, bytes }) {
  return { bytes, ...countWords(readFileSync(file, 'latin1')) };
}

/** Word count and per-word counts of a text. */
export function countWords(text) {
  const counts = new Map();
  let words = 0;
  for (const w of text.split(/\s+/)) {
    if (w.length === 0) continue;
    words++;
    counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return { words, counts: Object.fromEntries(counts) };
}

/** Merges every file's counts; writes the top words as CSV; returns the totals. */
export function merge(results, ctx) {
  const all = new Map();
  let bytes = 0;
  let words = 0;
  for (const r of results) {
    bytes += r.bytes;
    words += r.words;
    for (const [w, n] of Object.entries(r.counts)) all.set(w, (all.get(w) ?? 0) + n);
  }
  const top = [...all].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, ctx.params.top ?? 20);
  const out = join(HERE, 'out');
  mkdirSync(out, { recursive: true });
  atomicWrite(
    join(out, 'top-words.csv'),
    'word,count\n' + top.map(([w, n]) => `${w},${n}`).join('\n') + '\n',
  );
  return {
    files: results.length,
    megabytes: Math.round(bytes / 1e6),
    words,
    distinct: all.size,
    top: top.slice(0, 10),
  };
}
