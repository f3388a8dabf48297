/**
 * How a PUT's cost grows with what the emulator already holds: `--existing` versions are seeded
 * (each with its own managed image), then `--puts` new versions are created at `--concurrency`
 * over raw keep-alive HTTPS against the in-process emulator, and a definition's version list is
 * read. Before the store was indexed every version PUT scanned all versions twice (busy source,
 * quota) and every list scanned every key. Not part of `npm test`.
 *
 *   npm run build && node dist/bench/emulator-put-scale.js [--existing 10000] [--puts 2000]
 *        [--concurrency 32] [--definitions 20]
 */
import { Agent, request } from "node:https";
import { parseArgs } from "node:util";
import { resolveFaults } from "../src/emulator/faults.js";
import { startEmulator } from "../src/emulator/index.js";
import type { SeedDocument } from "../src/emulator/seed.js";
import { benchDefinition } from "./seed.js";

const { values } = parseArgs({
  options: {
    existing: { type: "string", default: "10000" },
    puts: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "32" },
    definitions: { type: "string", default: "20" },
  },
});
const existing = Number(values.existing);
const puts = Number(values.puts);
const concurrency = Number(values.concurrency);
const definitions = Number(values.definitions);

const SUB = "00000000-0000-0000-0000-0000000000be";
const RG = "rg-bench";
const imageName = (i: number): string => `img-${String(i).padStart(6, "0")}`;
const imageId = (i: number): string => `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/images/${imageName(i)}`;

const seed: SeedDocument = {
  limits: { versions: 1_000_000, definitions: 10_000 },
  subscriptions: [
    {
      id: SUB,
      resourceGroups: [
        {
          name: RG,
          location: "westeurope",
          images: Array.from({ length: existing + puts }, (_, i) => ({ name: imageName(i), osType: "Linux" as const, hyperVGeneration: "V2" as const, osDiskSizeGB: 30 })),
          galleries: [
            {
              name: "benchGallery",
              location: "westeurope",
              definitions: Array.from({ length: definitions }, (_, d) => ({
                ...benchDefinition(d),
                versions: Array.from({ length: Math.ceil(existing / definitions) }, (_, k) => k * definitions + d)
                  .filter((i) => i < existing)
                  .map((i) => ({ name: `0.0.${i}`, source: imageId(i) })),
              })),
            },
          ],
        },
      ],
    },
  ],
};

const setupStarted = performance.now();
// Replication of a 30 GB image takes about 7 simulated minutes: 4 ms real at ×100,000, so
// operations end (and settle) while the PUTs are still coming.
const emulator = await startEmulator({ seed, faults: resolveFaults({ throttling: "none" }), timeScale: 100_000, port: 0, pageSize: 100 });
const setupSeconds = (performance.now() - setupStarted) / 1000;
const agent = new Agent({ ca: emulator.caCert, keepAlive: true, maxSockets: concurrency });

function call(method: string, path: string, body?: unknown): Promise<{ status: number; ms: number; text: string }> {
  const started = performance.now();
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(`${emulator.endpoint}${path}`, { method, agent, headers: { authorization: "Bearer bench", ...(text ? { "content-type": "application/json" } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, text: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(text);
  });
}

const base = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/galleries/benchGallery/images`;
const latencies: number[] = [];
const statuses = new Map<number, number>();
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < puts; i = next++) {
      const n = existing + i;
      const answer = await call("PUT", `${base}/def-${n % definitions}/versions/1.0.${n}?api-version=2025-03-03`, {
        location: "westeurope",
        properties: { publishingProfile: { targetRegions: [{ name: "westeurope" }] }, storageProfile: { source: { id: imageId(n) } } },
      });
      latencies.push(answer.ms);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    }
  }),
);
const putSeconds = (performance.now() - started) / 1000;

// A definition's list, first page and the whole of it by nextLink.
const listStarted = performance.now();
let pages = 0;
let listed = 0;
for (let url: string | undefined = `${base}/def-0/versions?api-version=2025-03-03`; url !== undefined; ) {
  const answer = await call("GET", url);
  const body = JSON.parse(answer.text) as { value: unknown[]; nextLink?: string };
  pages += 1;
  listed += body.value.length;
  url = body.nextLink === undefined ? undefined : body.nextLink.slice(emulator.endpoint.length);
}
const listMs = performance.now() - listStarted;
await emulator.close();
agent.destroy();

const sorted = [...latencies].sort((a, b) => a - b);
const at = (p: number): number => Number((sorted[Math.floor(p * (sorted.length - 1))] ?? 0).toFixed(2));
console.log(
  JSON.stringify(
    {
      existingVersions: existing,
      puts,
      concurrency,
      statuses: Object.fromEntries(statuses),
      setupSeconds: Number(setupSeconds.toFixed(2)),
      putSeconds: Number(putSeconds.toFixed(2)),
      putsPerSecond: Math.round(puts / putSeconds),
      putLatencyMs: { p50: at(0.5), p90: at(0.9), max: at(1) },
      listOneDefinition: { versions: listed, pages, ms: Math.round(listMs) },
    },
    null,
    2,
  ),
);
process.exitCode = statuses.get(201) === puts ? 0 : 1;
