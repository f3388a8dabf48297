// A separate process for the state tests: `hold PATH` keeps the lock until stdin closes;
// `loop PATH EVERY BASE` writes transitions from four concurrent workers until it is killed, printing
// `KEY ATTEMPTS` only after each put resolved (so the parent knows what must have survived).
import { StateStore } from "../../../src/state/store.js";
import type { ItemState } from "../../../src/state/types.js";

const [mode, path, every, base] = process.argv.slice(2);
if (!path) throw new Error("usage: store-child hold|loop PATH [EVERY]");

/** A valid record whose `attempts` only ever grows, so a lost write shows as a smaller number. */
function record(key: string, attempts: number): ItemState {
  return {
    key,
    fingerprint: `fp-${attempts}`,
    status: attempts % 2 === 0 ? "in-flight" : "submitting",
    attempts,
    updatedAt: new Date().toISOString(),
    sourceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/img",
    definitionId: `${key}-def`,
    versionId: key,
    galleryId: "g",
    poller: JSON.stringify({ state: { config: { operationLocation: `https://127.0.0.1/op/${key}/${attempts}` } } }),
  };
}

let store: StateStore;
try {
  store = await StateStore.open(path, { armEndpoint: "https://127.0.0.1:8443", plan: "p.yaml", checkpointEvery: Number(every ?? 200) });
} catch (error: unknown) {
  process.stdout.write(`refused ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(3);
}
process.stdout.write(`ready ${store.notices.join(" | ")}\n`);
if (mode === "hold") {
  process.stdin.resume();
  process.stdin.on("end", () => {
    void store.close().then(() => process.exit(0));
  });
} else {
  const worker = async (w: number): Promise<never> => {
    for (let n = 1; ; n++) {
      const key = `w${w}-k${n % 7}`;
      const attempts = Number(base ?? 0) + n;
      await store.put(record(key, attempts));
      process.stdout.write(`${key} ${attempts}\n`);
    }
  };
  await Promise.all([0, 1, 2, 3].map(worker));
}
