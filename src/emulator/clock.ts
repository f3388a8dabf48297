/**
 * The emulator's one clock: simulated time runs `timeScale` times faster than real time.
 * Replication, operation durations, throttling windows and refills all read it; waits the
 * emulator asks clients for are converted back to real time.
 */
export interface Clock {
  readonly timeScale: number;
  /** Simulated epoch milliseconds. */
  now(): number;
  /** Real milliseconds that `simulatedMs` of simulated time take. */
  toRealMs(simulatedMs: number): number;
  /** Simulated milliseconds that pass in `realMs` of real time. */
  toSimulatedMs(realMs: number): number;
}

/**
 * A clock anchored at `origin` (simulated epoch ms at real time `realOrigin`). Keeping the
 * anchor in the data dir lets a restarted emulator continue the same simulated timeline.
 */
export function scaledClock(timeScale: number, origin = Date.now(), realOrigin = Date.now()): Clock {
  if (!(timeScale > 0)) throw new RangeError(`time scale must be positive, not ${timeScale}`);
  return {
    timeScale,
    now: () => origin + (Date.now() - realOrigin) * timeScale,
    toRealMs: (simulatedMs) => simulatedMs / timeScale,
    toSimulatedMs: (realMs) => realMs * timeScale,
  };
}
