import { WeftError } from '@weft/core';
import { checkStore, repairStore } from '@weft/store';
import type { Io, Outcome } from '../util/output.js';
import { projectDir } from '../store/open.js';
import { formatBytes } from './runs.js';

/** `weft store check`: SQLite's integrity check of the project's store, without changing it. */
export async function storeCheckCommand(io: Io): Promise<Outcome> {
  const { dir } = projectDir(io);
  const c = checkStore(dir);
  const facts = `${c.file}: ${formatBytes(c.bytes)}, schema ${c.schema ?? '?'}, ${c.runs ?? '?'} runs`;
  if (c.ok) return { exit: 0, result: c, text: `the store is sound: ${facts}` };
  const error = new WeftError(
    'STORE_CORRUPT',
    `the store ${c.file} is damaged: ${c.problems.slice(0, 5).join('; ')}${c.problems.length > 5 ? ` (and ${c.problems.length - 5} more)` : ''}. Repair it with: weft store repair`,
    { data: { ...c } },
  );
  return { exit: 2, result: c, error };
}

/**
 * `weft store repair`: keeps the damaged database aside and salvages every row that can still be
 * read into a new one; runs left `running` become `interrupted` on the next open and resume.
 */
export async function storeRepairCommand(io: Io): Promise<Outcome> {
  const { dir } = projectDir(io);
  const r = repairStore(dir);
  const after = checkStore(dir);
  const lost = Object.entries(r.tables).filter(([, t]) => t.lost);
  const lines = [
    `salvaged ${Object.values(r.tables).reduce((n, t) => n + t.copied, 0)} rows into ${r.file}; the damaged file is kept as ${r.keptAside}`,
    lost.length > 0
      ? `tables with unreadable rows: ${lost.map(([n, t]) => `${n} (${t.copied} rows saved)`).join(', ')}`
      : 'every row was readable',
    after.ok ? 'the new store is sound' : `the new store still has problems: ${after.problems.join('; ')}`,
  ];
  return { exit: after.ok ? 0 : 2, result: { ...r, check: after }, text: lines.join('\n') };
}
