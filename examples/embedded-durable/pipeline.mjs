// The pipeline of the embedding example: hash 2,000 records (one map item each), then sum the
// digests' first bytes. Defined with the builder; its steps are found by this module's URL.
import { createHash } from 'node:crypto';
import { pipeline } from '@weft/core';

export const checksums = pipeline('checksums', { module: import.meta.url })
  .step('records', (n) => Array.from({ length: n }, (_, i) => `record ${i}: ${'x'.repeat(i % 50)}`), {
    to: 'digest',
  })
  .map(
    'digest',
    async (record) => {
      // A little real work per item, and a turn of the event loop (so a kill can land mid-map).
      await new Promise((r) => setImmediate(r));
      return createHash('sha256').update(record).digest('hex');
    },
    { to: 'total', chunkSize: 1, concurrency: 8 },
  )
  .step('total', (digests) => ({
    count: digests.length,
    total: digests.reduce((sum, d) => sum + parseInt(d.slice(0, 2), 16), 0),
  }))
  .build();
