import type { AuditAnchor } from '../shared/audit-chain.js';
import type { AuditAnchors, AuditFiles } from '../shared/chained-audit.js';

/** Audit logs as strings in memory. */
export class MapAuditFiles implements AuditFiles {
  readonly texts = new Map<string, string>();

  read(runId: string): string {
    return this.texts.get(runId) ?? '';
  }
  append(runId: string, text: string): void {
    this.texts.set(runId, this.read(runId) + text);
  }
  endsClean(runId: string): boolean {
    const t = this.read(runId);
    return t.length === 0 || t.endsWith('\n');
  }
  truncate(runId: string, length: number): void {
    this.texts.set(runId, this.read(runId).slice(0, length));
  }
  remove(runId: string): void {
    this.texts.delete(runId);
  }
  bytes(): number {
    let n = 0;
    for (const t of this.texts.values()) n += t.length;
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
