import type { RunRecord, ValueStore } from '@weft/core/store';
import { INLINE_LIMIT } from './event-codec.js';
import { isPlainJson } from './value-codec.js';
import { isValueRef } from './values.js';

/** The values of a record that may be large or not JSON: kept by ref when so. */
const VALUE_FIELDS = ['input', 'output', 'source'] as const;

/** A record's stored JSON (its input, output and source by ref when large or not JSON) and the refs it holds. */
export function encodeRecord(record: RunRecord, values: ValueStore): { json: string; refs: string[] } {
  const out: Record<string, unknown> = { ...record };
  const refs: string[] = [];
  for (const f of VALUE_FIELDS) {
    const v = record[f];
    if (v === undefined || isPlainJson(v, INLINE_LIMIT)) continue;
    const ref = values.put(v);
    out[f] = { $weftRecordValue: ref };
    refs.push(ref.$weftValue);
  }
  for (const f of ['error', 'metrics'] as const) {
    const v = record[f];
    if (v !== undefined && !isPlainJson(v, 1 << 22)) {
      const ref = values.put(v);
      out[f] = { $weftRecordValue: ref };
      refs.push(ref.$weftValue);
    }
  }
  return { json: JSON.stringify(out), refs };
}

/** Reads a stored record back, its values resolved (hash checked: STORE_CORRUPT when edited). */
export function decodeRecord(json: string, values: ValueStore): RunRecord {
  const r = JSON.parse(json) as Record<string, unknown>;
  for (const f of [...VALUE_FIELDS, 'error', 'metrics']) {
    const v = r[f] as { $weftRecordValue?: unknown } | undefined;
    if (typeof v === 'object' && v !== null && isValueRef(v.$weftRecordValue))
      r[f] = values.get(v.$weftRecordValue);
  }
  return r as unknown as RunRecord;
}
