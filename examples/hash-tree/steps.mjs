// Hashing and compressing a tree of files: every file under `dir` is gzipped into `out` (same
// relative path + .gz) and its SHA-256 goes into a manifest. Files whose size and mtime did not
// change are not read again on the next run (their map items are answered from the run store).
import { createHash } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Default output directory: out/ beside this module. */
const OUT = fileURLToPath(new URL('./out/', import.meta.url));

function atomicWrite(file, data) {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  writeSync(fd, data);
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, file);
}

/** Lists regular files under `dir` (skipping node_modules, .git, .weft and dist), with size and mtime. */
export function scan({ dir, out = OUT }) {
  const root = resolve(dir);
  const files = [];
  const skip = new Set(['node_modules', '.git', '.weft', 'dist', '.turbo']);
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (skip.has(e.name)) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const st = statSync(p);
        files.push({
          root,
          out: resolve(out),
          path: relative(root, p),
          size: st.size,
          mtimeMs: Math.floor(st.mtimeMs),
        });
      }
    }
  };
  walk(root);
  return files;
}

/** Hashes one file and writes its gzip (level 9) atomically. */
export function compress({ root, out, path, size }) {
  const data = readFileSync(join(root, path));
  const sha256 = createHash('sha256').update(data).digest('hex');
  const gz = gzipSync(data, { level: 9 });
  atomicWrite(join(out, `${path}.gz`), gz);
  return { path, size, gzipped: gz.length, sha256 };
}

/** Writes MANIFEST.sha256 (sha256sum format) next to the compressed files; returns the totals. */
export function manifest(entries) {
  const text = entries.map((e) => `${e.sha256}  ${e.path}`).join('\n') + '\n';
  atomicWrite(join(entries[0]?.out ?? OUT, 'MANIFEST.sha256'), text);
  const bytes = entries.reduce((a, e) => a + e.size, 0);
  const gzipped = entries.reduce((a, e) => a + e.gzipped, 0);
  return { files: entries.length, bytes, gzipped, ratio: bytes ? Number((gzipped / bytes).toFixed(3)) : 0 };
}
