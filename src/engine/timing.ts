/** The runner's own clock: waits, back-off and deadlines, `timeScale` times faster than real time. */

/** Real-time durations of the runner, derived from simulated (service) durations. */
export interface RunnerTiming {
  timeScale: number;
  /** Interval between polls of a version operation (30 s on real Azure), real ms. */
  versionPollMs: number;
  /** Interval between polls of a gallery or definition operation, real ms. */
  resourcePollMs: number;
  /** First back-off after a transient error, real ms (doubled each time, capped). */
  backoffBaseMs: number;
  backoffCapMs: number;
  /** Per-item deadline, real ms. */
  itemTimeoutMs: number;
}

/** Builds the runner's timing from the time scale and the per-item deadline in (simulated) minutes. */
export function runnerTiming(timeScale: number, itemTimeoutMinutes: number): RunnerTiming {
  const real = (simulatedMs: number): number => simulatedMs / timeScale;
  return {
    timeScale,
    versionPollMs: Math.max(5, real(30_000)),
    resourcePollMs: Math.max(5, real(10_000)),
    backoffBaseMs: Math.max(5, real(5_000)),
    backoffCapMs: Math.max(20, real(300_000)),
    itemTimeoutMs: real(itemTimeoutMinutes * 60_000),
  };
}

/** Exponential back-off with full jitter in [½, 1], never shorter than what the service asked for. */
export function backoffMs(timing: RunnerTiming, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const exp = Math.min(timing.backoffCapMs, timing.backoffBaseMs * 2 ** Math.min(attempt, 20));
  const jittered = exp / 2 + (random() * exp) / 2;
  return Math.max(retryAfterMs ?? 0, jittered);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
