/**
 * Collect phase, part: the drill's traffic. Each step sends `rate` requests per second for at most
 * `duration` (fewer when the scenario ends first), never more than `concurrency` at once, only to
 * the service instance on 127.0.0.1. A request that cannot reach the service is a problem: the
 * drill could not do what it claims, so the gate cannot judge.
 */
import type { TrafficStep } from './drill-config.js';

export interface TrafficResult {
  sent: number;
  /** Answers by status code. */
  statuses: Record<string, number>;
  /** Requests skipped because `concurrency` were still in flight. */
  skipped: number;
  /** The first connection failure, if any (refused, reset, timed out). */
  failure?: string;
}

export interface TrafficRun {
  done: Promise<TrafficResult>;
  /** Stops sending; resolves `done` once the requests in flight have finished. */
  stop(): void;
}

const REQUEST_TIMEOUT_MS = 30_000;

function failureText(error: unknown): string {
  const cause = (error as Error).cause as (Error & { code?: string }) | undefined;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

export function startTraffic(baseUrl: string, step: TrafficStep): TrafficRun {
  const result: TrafficResult = { sent: 0, statuses: {}, skipped: 0 };
  const total = Math.max(1, Math.ceil((step.rate * step.duration) / 1000));
  const intervalMs = 1000 / step.rate;
  const started = Date.now();
  let inFlight = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let finish: (r: TrafficResult) => void = () => undefined;
  const done = new Promise<TrafficResult>((resolve) => (finish = resolve));
  const settleIfDone = () => {
    if (stopped && inFlight === 0) finish(result);
  };
  const stop = () => {
    if (timer) clearTimeout(timer);
    stopped = true;
    settleIfDone();
  };
  const send = async () => {
    inFlight++;
    result.sent++;
    try {
      const r = await fetch(`${baseUrl}${step.path}`, {
        method: step.method,
        headers: { ...(step.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(step.headers ?? {}) },
        ...(step.body !== undefined && step.method !== 'GET' && step.method !== 'HEAD' ? { body: step.body } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        redirect: 'manual',
      });
      await r.arrayBuffer();
      result.statuses[r.status] = (result.statuses[r.status] ?? 0) + 1;
    } catch (error) {
      result.failure ??= `${step.method} ${step.path}: ${failureText(error)}`;
      stopped = true;
    } finally {
      inFlight--;
      settleIfDone();
    }
  };
  // Paced against the start time, so slow answers do not stretch the schedule.
  const tick = () => {
    if (stopped) return;
    const elapsed = Date.now() - started;
    const due = Math.min(total, Math.floor(elapsed / intervalMs) + 1);
    while (result.sent + result.skipped < due && !stopped) {
      if (inFlight >= step.concurrency) result.skipped++;
      else void send();
    }
    if (result.sent + result.skipped >= total || elapsed >= step.duration) {
      stop();
      return;
    }
    timer = setTimeout(tick, Math.max(1, Math.min(intervalMs, 50)));
  };
  tick();
  return { done, stop };
}
