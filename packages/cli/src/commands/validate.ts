import { WeftError, compile, toMermaid, toWeftError, validate, type ExecutionPlan } from '@weft/core';
import { resolveStep } from '@weft/core/orchestrator';
import { loadPipeline, type LoadedPipeline } from '../run/load-pipeline.js';
import { scanNetworkUse, type OfflineUseKind } from '../offline/scan.js';
import type { Io, Outcome } from '../util/output.js';
import { catalogueResult, warnInto } from '../catalogue/report.js';
import { offlineProcess, projectCatalogue } from '../catalogue/project-catalogue.js';
import { findProjectRoot } from '../util/project.js';

/** How `validate --offline` words each kind of use. */
const OFFLINE_USE: Record<OfflineUseKind, string> = {
  network: 'uses the network',
  'child-process': 'starts child processes',
  internals: "reaches Node's internals",
  addon: 'loads a native addon',
  worker: 'starts a worker thread',
};

/**
 * Throws PIPELINE_INVALID (with every problem) when the pipeline's graph is invalid, and
 * MODULE_NOT_FOUND / EXPORT_NOT_FOUND when a step's code cannot be found (checked on the main
 * thread before anything runs).
 */
export async function checkPipeline(loaded: LoadedPipeline): Promise<void> {
  const report = validate(loaded.pipeline);
  if (!report.valid) {
    const lines = report.problems.map((p) => `  [${p.code}] ${p.message}`).join('\n');
    throw new WeftError(
      'PIPELINE_INVALID',
      `${loaded.file}: pipeline "${report.pipeline}" is invalid:\n${lines}`,
      { data: { file: loaded.file, problems: [...report.problems] } },
    );
  }
  await checkRefs(compile(loaded.pipeline), [], loaded.file);
}

async function checkRefs(plan: ExecutionPlan, path: readonly string[], file: string): Promise<void> {
  for (const name of plan.order) {
    const node = plan.nodes[name]!;
    if (node.sub) await checkRefs(node.sub, [...path, name], file);
    if (!node.ref || node.ref.pipeline !== undefined) continue;
    try {
      await resolveStep(node.ref);
    } catch (e) {
      const err = toWeftError(e, 'MODULE_NOT_FOUND');
      throw new WeftError(err.code, `step "${[...path, name].join('/')}" (in ${file}): ${err.message}`, {
        cause: e,
        data: { ...err.data, step: [...path, name].join('/'), file },
      });
    }
  }
}

/** `weft validate <pipeline> [--offline]`. */
export async function validateCommand(
  target: string,
  opts: { offline?: boolean },
  io?: Io,
): Promise<Outcome> {
  // With --offline the catalogue is not fetched either: its cached copy is used (with a warning).
  const offline = opts.offline === true || offlineProcess();
  const loaded = await loadPipeline(target, process.cwd(), {
    catalogue: () => projectCatalogue(findProjectRoot(), { offline }),
    ...(io ? warnInto(io) : {}),
  });
  await checkPipeline(loaded);
  const plan = compile(loaded.pipeline);
  const steps = plan.order.map((n) => ({
    name: n,
    kind: plan.nodes[n]!.kind,
    module: plan.nodes[n]!.ref?.module ?? null,
    export: plan.nodes[n]!.ref?.export ?? null,
  }));
  const result: Record<string, unknown> = {
    valid: true,
    file: loaded.file,
    pipeline: plan.name,
    planId: plan.id,
    steps,
    ...catalogueResult(loaded),
  };
  const text = [`${loaded.file}: pipeline "${plan.name}" is valid (${steps.length} steps, plan ${plan.id})`];
  if (loaded.catalogue)
    text.push(
      `catalogue: ${loaded.catalogue.provenance.source} (${loaded.catalogue.provenance.location}, snapshot ${loaded.catalogue.provenance.snapshotAt}); ${loaded.catalogue.processors.length} processor reference(s) resolved`,
    );
  if (opts.offline) {
    const uses = scanNetworkUse(loaded.modules);
    result['network'] = uses;
    const refused = uses.filter((u) => u.refused);
    const show = (list: typeof uses): string =>
      list.map((u) => `  ${u.module}:${u.line} ${OFFLINE_USE[u.kind]} (${u.uses})`).join('\n');
    if (refused.length > 0) {
      const error = new WeftError(
        'NETWORK_REFUSED',
        `step modules do what --offline refuses:\n${show(refused)}`,
        { data: { network: refused } },
      );
      return { exit: 2, result: { ...result, valid: false }, error };
    }
    const guarded = uses.filter((u) => !u.refused);
    text.push(
      guarded.length > 0
        ? `offline: nothing refused; worker threads that --offline guards too:\n${show(guarded)}`
        : 'offline: no step module uses the network, child processes, process.binding or native addons',
    );
  }
  return { exit: 0, result, text: text.join('\n') };
}

/** `weft graph <pipeline>`: the Mermaid flowchart. */
export async function graphCommand(target: string, io?: Io): Promise<Outcome> {
  const loaded = await loadPipeline(target, process.cwd(), io ? warnInto(io) : {});
  await checkPipeline(loaded);
  const mermaid = toMermaid(compile(loaded.pipeline));
  return {
    exit: 0,
    result: { pipeline: loaded.pipeline.name, mermaid, ...catalogueResult(loaded) },
    text: mermaid,
  };
}
