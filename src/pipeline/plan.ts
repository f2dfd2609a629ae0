/**
 * From the config to a plan: the enabled gates, what each waits for, and the inputs each is given.
 * Pure, so every ordering rule is unit-tested without running anything.
 */
import { ConfigurationError } from '../core/errors.js';
import { PIPELINE_GATES, type PipelineGate } from './action-meta.js';
import { inputString, type PipelineConfig } from './config.js';

export interface PlannedGate {
  gate: PipelineGate;
  needs: PipelineGate[];
  required: boolean;
  inputs: Record<string, string>;
}

/** Gates the alerts gate needs by default: the image it drills is the one the image gate built. */
const IMPLICIT_NEEDS: Partial<Record<PipelineGate, PipelineGate[]>> = { alerts: ['image'] };

export function planPipeline(config: PipelineConfig, only: readonly string[] = []): PlannedGate[] {
  for (const name of only) {
    if (!(PIPELINE_GATES as readonly string[]).includes(name)) {
      throw new ConfigurationError(`input "only" names "${name}", which is not a gate: give a comma-separated list of ${PIPELINE_GATES.join(', ')}`);
    }
  }
  const enabled = PIPELINE_GATES.filter((gate) => {
    const entry = config.gates[gate];
    if (entry === undefined || entry.enabled === false) return false;
    return only.length === 0 || only.includes(gate);
  });
  if (enabled.length === 0) {
    throw new ConfigurationError(
      only.length > 0
        ? `input "only" (${only.join(', ')}) selects no gate that the config enables (${PIPELINE_GATES.filter((g) => config.gates[g] && config.gates[g]!.enabled !== false).join(', ') || 'none'})`
        : 'the config enables no gate: list at least one under gates (lint, test, audit, secrets, rules, image, alerts)',
    );
  }
  const plan = enabled.map((gate): PlannedGate => {
    const entry = config.gates[gate]!;
    const explicit = entry.needs ?? [];
    for (const need of explicit) {
      if (need === gate) throw new ConfigurationError(`key "gates.${gate}.needs": a gate cannot need itself`);
      if (!enabled.includes(need) && only.length === 0) {
        throw new ConfigurationError(`key "gates.${gate}.needs" names ${need}, which the config does not enable: enable it or remove it from needs`);
      }
    }
    const implicit = (IMPLICIT_NEEDS[gate] ?? []).filter((g) => enabled.includes(g) && !(gate === 'alerts' && entry.with?.image !== undefined));
    const needs = [...new Set([...explicit, ...implicit])].filter((g) => enabled.includes(g));
    const inputs = Object.fromEntries(Object.entries(entry.with ?? {}).map(([k, v]) => [k, inputString(v)]));
    return { gate, needs, required: entry.required !== false, inputs };
  });
  if (
    plan.some((p) => p.gate === 'alerts') &&
    !plan.some((p) => p.gate === 'image') &&
    plan.find((p) => p.gate === 'alerts')!.inputs.image === undefined &&
    plan.find((p) => p.gate === 'alerts')!.inputs['service-command'] === undefined
  ) {
    throw new ConfigurationError(
      'key "gates.alerts": the alerts gate needs an image to run: enable the image gate, or set gates.alerts.with.image (repo@sha256:...) or service-command',
    );
  }
  assertAcyclic(plan);
  return plan;
}

function assertAcyclic(plan: readonly PlannedGate[]): void {
  const byGate = new Map(plan.map((p) => [p.gate, p]));
  const state = new Map<PipelineGate, 'visiting' | 'done'>();
  const visit = (gate: PipelineGate, path: PipelineGate[]): void => {
    if (state.get(gate) === 'done') return;
    if (state.get(gate) === 'visiting') throw new ConfigurationError(`key "gates.*.needs" forms a cycle: ${[...path, gate].join(' -> ')}`);
    state.set(gate, 'visiting');
    for (const need of byGate.get(gate)?.needs ?? []) visit(need, [...path, gate]);
    state.set(gate, 'done');
  };
  for (const p of plan) visit(p.gate, []);
}
