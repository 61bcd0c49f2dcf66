import { createHash } from 'node:crypto';
import type { Task } from '@weft/core';

/**
 * The task key: the same task (run, place in the pipeline, node, attempt, and the same body) gets
 * the same key in any session of the run, so a coordinator that resumes a run joins the job already
 * running or done instead of adding a second one. The engine owns retries: the attempt is part of
 * the key (a retry is a new job), and BullMQ never retries a job itself.
 * @example taskKey(task, payloadBytes) // 't.5e0c…' (32 hex digits)
 */
export function taskKey(task: Task, payload: Uint8Array): string {
  const h = createHash('sha256');
  h.update(`${task.runId}\0${task.path.join('/')}\0${task.node}\0${task.kind}\0${task.attempt}\0`);
  h.update(payload);
  return `t.${h.digest('hex').slice(0, 32)}`;
}

/** The BullMQ job id of a task key in a generation (a job that vanished is added again under a new id). */
export function jobId(key: string, gen: number): string {
  return gen === 0 ? key : `${key}.g${gen}`;
}
