// Writes packages/serve/openapi.json from the route schemas (pnpm openapi), formatted as the
// repository's prettier check wants it.
import { writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { openApiDocument } from '../dist/openapi.js';

const file = new URL('../openapi.json', import.meta.url);
const options = (await resolveConfig(file)) ?? {};
const text = await format(JSON.stringify(await openApiDocument()), { ...options, parser: 'json' });
writeFileSync(file, text);
console.log(`wrote ${file.pathname}`);
