// Builds the dashboard page: src/ui/main.ts and styles.css bundled by esbuild into dist/ui with
// content-hashed names, and dist/ui/manifest.json naming them. In the page, '@weft/core' is only the
// RunView fold (pure, no node: import): any other value imported from core fails the build.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/ui');
const runView = join(root, '../core/dist/events/run-view.js');

const coreInPage = {
  name: 'core-in-page',
  setup(b) {
    b.onResolve({ filter: /^@weft\/core$/ }, () => ({ path: runView }));
  },
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: { app: join(root, 'src/ui/main.ts'), style: join(root, 'src/ui/styles.css') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022', 'chrome120'],
  platform: 'browser',
  outdir: out,
  entryNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  plugins: [coreInPage],
  logLevel: 'warning',
});
const files = Object.keys(result.metafile.outputs).map((f) => basename(f));
const js = files.find((f) => f.startsWith('app-') && f.endsWith('.js'));
const css = files.find((f) => f.startsWith('style-') && f.endsWith('.css'));
if (!js || !css) throw new Error(`dashboard build: missing outputs in ${files.join(', ')}`);
writeFileSync(join(out, 'manifest.json'), JSON.stringify({ js, css }, null, 2) + '\n');
const gz = (f) => gzipSync(readFileSync(join(out, f)), { level: 9 }).length;
if (process.env.WEFT_QUIET_BUILD !== '1')
  console.log(
    `dashboard: ${js} ${(gz(js) / 1024).toFixed(1)} KB gzip, ${css} ${(gz(css) / 1024).toFixed(1)} KB gzip`,
  );
