/**
 * Planner read cost (not part of `npm test`):
 *   node dist/bench/run-plan-reads.js [images=500] [perDefinition=10] [concurrency=16] [pageSize=5]
 * Plans N synthetic items twice against an in-process emulator: "fresh" (no gallery yet) and
 * "existing" (gallery, definitions and versions already there, no state: every item adopts), and
 * prints the requests the planner made (emulator stats) and its wall time for each.
 */
import { join } from "node:path";
import { createComputePort, staticTokenCredential } from "../src/azure/index.js";
import { planMigrations } from "../src/engine/planner.js";
import { loadPlan } from "../src/plan/load.js";
import { bulk, delta, imageIdOf, planYaml, seedYaml, tempDir, write } from "../test/integration/run/helpers.js";
import type { RunningEmulator } from "../test/integration/run/helpers.js";

const [count = 500, perDefinition = 10, concurrency = 16, pageSize = 5] = process.argv.slice(2).map(Number);

async function measure(label: string, seedText: string): Promise<void> {
  const tmp = tempDir("plan-reads");
  try {
    const { items } = bulk(count, perDefinition);
    const seed = write(tmp.dir, "seed.yaml", seedText);
    const planFile = write(tmp.dir, "plan.yaml", planYaml(items, { regions: ["westeurope"] }));
    const mod = (await import(new URL("../src/emulator/index.js", import.meta.url).href)) as {
      startEmulator(options: Record<string, unknown>): Promise<RunningEmulator>;
    };
    const emulator = await mod.startEmulator({ port: 0, seed, timeScale: 600, dataDir: join(tmp.dir, "emu"), pageSize });
    try {
      const port = createComputePort({ armEndpoint: emulator.endpoint, credential: staticTokenCredential(), caPem: emulator.caCert, timeScale: 600 });
      const plan = await loadPlan(planFile);
      // One warm-up read so that TLS setup is not counted as planning.
      await port.getGallery(`/subscriptions/${emulator.subscriptionId}/resourceGroups/warm/providers/Microsoft.Compute/galleries/up`);
      const before = emulator.stats().requests;
      const started = process.hrtime.bigint();
      const plans = await planMigrations(plan, port, undefined, { concurrency });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const requests = delta(before, emulator.stats().requests);
      const total = Object.values(requests).reduce((a, b) => a + b, 0);
      const actions: Record<string, number> = {};
      for (const p of plans) actions[p.action] = (actions[p.action] ?? 0) + 1;
      console.log(`${label}: ${count} items, page size ${pageSize}: ${total} requests in ${ms.toFixed(0)} ms ${JSON.stringify(requests)} actions ${JSON.stringify(actions)}`);
    } finally {
      await emulator.close();
    }
  } finally {
    tmp.cleanup();
  }
}

const { images, items } = bulk(count, perDefinition);
await measure("fresh", seedYaml(images));
const definitions = new Map<string, { name: string; source: string }[]>();
for (const i of items) definitions.set(i.definition, [...(definitions.get(i.definition) ?? []), { name: i.version, source: imageIdOf(i.image) }]);
await measure(
  "existing",
  seedYaml(images, {
    name: "migrated",
    definitions: [...definitions].map(([name, versions]) => ({ name, hyperVGeneration: "V2", publisher: "Contoso", offer: `offer-${name}`, sku: "sku1", versions })),
  }),
);
