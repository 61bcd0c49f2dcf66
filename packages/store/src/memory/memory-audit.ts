import type { AuditAnchor } from '../shared/audit-chain.js';
import type { AuditAnchors, AuditFiles } from '../shared/chained-audit.js';

/** Audit logs as strings in memory (appended in chunks, joined when read). */
export class MapAuditFiles implements AuditFiles {
  readonly #logs = new Map<string, { chunks: string[]; length: number; clean: boolean }>();

  read(runId: string): string {
    const log = this.#logs.get(runId);
    if (!log) return '';
    if (log.chunks.length > 1) log.chunks = [log.chunks.join('')];
    return log.chunks[0] ?? '';
  }
  /** Replaces a log (test support: tampering, a crash's torn line). */
  set(runId: string, text: string): void {
    this.#logs.set(runId, {
      chunks: [text],
      length: text.length,
      clean: text.length === 0 || text.endsWith('\n'),
    });
  }
  append(runId: string, text: string): void {
    const log = this.#logs.get(runId);
    if (!log) return this.set(runId, text);
    log.chunks.push(text);
    log.length += text.length;
    if (text.length > 0) log.clean = text.endsWith('\n');
  }
  endsClean(runId: string): boolean {
    return this.#logs.get(runId)?.clean ?? true;
  }
  truncate(runId: string, length: number): void {
    this.set(runId, this.read(runId).slice(0, length));
  }
  remove(runId: string): void {
    this.#logs.delete(runId);
  }
  bytes(): number {
    let n = 0;
    for (const l of this.#logs.values()) n += l.length;
    return n;
  }
}

/** Audit anchors in memory. */
export class MapAuditAnchors implements AuditAnchors {
  readonly #anchors = new Map<string, AuditAnchor>();

  get(runId: string): AuditAnchor | undefined {
    return this.#anchors.get(runId);
  }
  set(runId: string, anchor: AuditAnchor): void {
    this.#anchors.set(runId, anchor);
  }
  remove(runId: string): void {
    this.#anchors.delete(runId);
  }
}
