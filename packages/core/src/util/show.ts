/** A short, safe description of any value for a message (never throws, at most ~80 characters). */
export function show(v: unknown): string {
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'bigint') return `${v.toString()}n`;
  if (typeof v === 'symbol') return v.toString();
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    try {
      s = String(v);
    } catch {
      s = 'an unprintable value';
    }
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
