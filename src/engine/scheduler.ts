/**
 * Scheduling rules of a run: at most `concurrency` items at once; items of one source image run
 * one after another, in plan order (the service allows one version at a time per source); work
 * shared by several items (a definition, a gallery) runs once; once stopped, nothing new starts.
 */

/** A counting semaphore whose waiters are served in arrival order. */
export class Semaphore {
  #free: number;
  readonly #waiters: (() => void)[] = [];

  constructor(size: number) {
    if (!(size >= 1)) throw new RangeError(`semaphore size must be at least 1, not ${size}`);
    this.#free = size;
  }

  /** Slots not taken right now. */
  get free(): number {
    return this.#free;
  }

  /** Waits for a slot and returns its release function (call it exactly once). */
  async acquire(): Promise<() => void> {
    if (this.#free > 0) {
      this.#free -= 1;
    } else {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) next();
      else this.#free += 1;
    };
  }
}

/** Options of `schedule`. */
export interface ScheduleOptions<T> {
  concurrency: number;
  /** Items with the same key run one after another, in the given order. */
  keyOf: (item: T) => string;
  /** True once no new item may start (Ctrl-C, --fail-fast after a failure). */
  stopped: () => boolean;
  /** Called for items that never started because the run stopped. */
  onSkipped?: (item: T) => void;
}

/**
 * Runs `work` for every item under the rules above and resolves when all have finished or been
 * skipped. A rejection of `work` is a bug of the caller's (item failures are results, not
 * throws): it is rethrown after everything else settled.
 */
export async function schedule<T>(items: readonly T[], work: (item: T) => Promise<void>, options: ScheduleOptions<T>): Promise<void> {
  const slots = new Semaphore(options.concurrency);
  const chains = new Map<string, T[]>();
  for (const item of items) {
    const key = options.keyOf(item);
    const chain = chains.get(key);
    if (chain) chain.push(item);
    else chains.set(key, [item]);
  }
  const errors: unknown[] = [];
  await Promise.all(
    [...chains.values()].map(async (chain) => {
      for (const item of chain) {
        const release = await slots.acquire();
        try {
          if (options.stopped()) {
            options.onSkipped?.(item);
            continue;
          }
          await work(item);
        } catch (error: unknown) {
          errors.push(error);
        } finally {
          release();
        }
      }
    }),
  );
  if (errors.length > 0) throw errors[0];
}

/** Runs a shared task once per key; a failed task is forgotten so that a later caller may try again. */
export class OnceMap<V> {
  readonly #tasks = new Map<string, Promise<V>>();

  /** The task's promise for `key`, starting it when none is running or finished successfully. */
  run(key: string, task: () => Promise<V>): Promise<V> {
    const k = key.toLowerCase();
    let p = this.#tasks.get(k);
    if (!p) {
      p = task();
      this.#tasks.set(k, p);
      p.catch(() => {
        if (this.#tasks.get(k) === p) this.#tasks.delete(k);
      });
    }
    return p;
  }
}
