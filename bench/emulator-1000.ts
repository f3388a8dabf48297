/**
 * 1,000 concurrent image-version creations against the in-process emulator, through the
 * unmodified SDK, at a high time scale. Not part of `npm test`.
 *
 *   npm run build && node dist/bench/emulator-1000.js [--count 1000] [--time-scale 20000]
 *        [--throttling raised|none|live] [--poll-ms 50] [--definitions 10] [--in-process]
 *
 * By default the emulator runs as `acg-migrate emulator` in its own process, as a user runs it, so
 * the client and the server do not share one event loop (TLS handshakes of 1,000 connections
 * otherwise dominate); `--in-process` uses `startEmulator` in this process instead.
 * Every version has its own source image (the one-version-per-source rule is not what is measured),
 * spread over a few definitions of one gallery. `raised` keeps throttling on (the code path runs for
 * every request) with budgets high enough not to refuse; `live` uses live Azure's budgets, so the
 * SDK waits out 429s (375 version PUTs per 3 simulated minutes).
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ComputeManagementClient } from "@azure/arm-compute";
import type { TokenCredential } from "@azure/core-auth";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { resolveFaults } from "../src/emulator/faults.js";
import type { FaultsInput } from "../src/emulator/faults.js";
import { startEmulator } from "../src/emulator/index.js";
import type { EmulatorStats } from "../src/emulator/index.js";
import type { SeedDocument } from "../src/emulator/seed.js";
import { benchDefinition } from "./seed.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "1000" },
    "time-scale": { type: "string", default: "20000" },
    throttling: { type: "string", default: "raised" },
    "poll-ms": { type: "string", default: "50" },
    definitions: { type: "string", default: "10" },
    "in-process": { type: "boolean", default: false },
  },
});
const count = Number(values.count);
const timeScale = Number(values["time-scale"]);
const pollMs = Number(values["poll-ms"]);
const definitions = Number(values.definitions);

const SUB = "00000000-0000-0000-0000-00000000b001";
const RG = "rg-bench";
const pad = (n: number): string => String(n).padStart(4, "0");

const seed: SeedDocument = {
  subscriptions: [
    {
      id: SUB,
      resourceGroups: [
        {
          name: RG,
          location: "westeurope",
          images: Array.from({ length: count }, (_, i) => ({ name: `img-${pad(i)}`, location: "westeurope", osType: "Linux" as const, hyperVGeneration: "V2" as const, osDiskSizeGB: 30 })),
          galleries: [
            {
              name: "benchGallery",
              location: "westeurope",
              definitions: Array.from({ length: definitions }, (_, d) => benchDefinition(d)),
            },
          ],
        },
      ],
    },
  ],
};

const high = { "3Min": 1_000_000, "30Min": 1_000_000 };
const bucket = { bucket: 1_000_000, refillPerSecond: 1_000_000 };
const throttling: FaultsInput["throttling"] =
  values.throttling === "none"
    ? "none"
    : values.throttling === "live"
      ? "live"
      : {
          policies: { CreateUpdateGalleryImageVersion: high, GetOperationStatus: high, GetGalleryImageVersion: high },
          arm: { reads: bucket, writes: bucket, deletes: bucket },
        };

interface Running {
  endpoint: string;
  ca: string;
  stats(): Promise<EmulatorStats>;
  close(): Promise<void>;
}

/** The emulator as a separate `acg-migrate emulator` process, from its start line. */
async function spawnEmulator(): Promise<Running> {
  const dir = await mkdtemp(join(tmpdir(), "acg-bench-"));
  // JSON is YAML, so the seed and faults files can be written as JSON.
  await writeFile(join(dir, "seed.yaml"), JSON.stringify(seed));
  await writeFile(join(dir, "faults.yaml"), JSON.stringify({ throttling }));
  const cli = fileURLToPath(new URL("../src/cli.js", import.meta.url));
  const child = spawn(process.execPath, [cli, "emulator", "--port", "0", "--seed", join(dir, "seed.yaml"), "--faults", join(dir, "faults.yaml"), "--time-scale", String(timeScale)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code} before its start line`)));
  });
  const start = JSON.parse(first) as { endpoint: string; caCert: string };
  const ca = await readFile(start.caCert, "utf8");
  return {
    endpoint: start.endpoint,
    ca,
    stats: () =>
      new Promise((resolve, reject) => {
        request(`${start.endpoint}/_emulator/stats`, { ca }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString()) as EmulatorStats));
        })
          .on("error", reject)
          .end();
      }),
    close: async () => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

async function inProcessEmulator(): Promise<Running> {
  const handle = await startEmulator({ seed, faults: resolveFaults({ throttling }), timeScale, port: 0 });
  return { endpoint: handle.endpoint, ca: handle.caCert, stats: async () => handle.stats(), close: () => handle.close() };
}

const emulator = values["in-process"] ? await inProcessEmulator() : await spawnEmulator();
const credential: TokenCredential = { getToken: async () => ({ token: "bench-token", expiresOnTimestamp: Date.now() + 3_600_000 }) };
const agent = new Agent({ ca: emulator.ca, keepAlive: true, maxSockets: 256 });
let sockets = 0;
const createConnection = agent.createConnection.bind(agent);
agent.createConnection = (...args: Parameters<Agent["createConnection"]>) => {
  sockets += 1;
  return createConnection(...args);
};
/** Per attempt: kind, start and end (ms since the first PUT), for the phase summary. */
const timeline: { kind: string; start: number; end: number }[] = [];
let origin = 0;
const observe: PipelinePolicy = {
  name: "timeline",
  async sendRequest(req, next) {
    const start = performance.now() - origin;
    const response = await next(req);
    const kind = req.url.includes("/capsOperations/") ? "poll" : req.method === "PUT" ? "put" : "get";
    timeline.push({ kind, start, end: performance.now() - origin });
    return response;
  },
};
const client = new ComputeManagementClient(credential, SUB, {
  endpoint: emulator.endpoint,
  agent,
  retryOptions: { maxRetries: 10, retryDelayInMs: 20, maxRetryDelayInMs: 500 },
  additionalPolicies: [{ policy: observe, position: "perRetry" }],
});

const memoryBefore = process.memoryUsage().rss;
const started = performance.now();
origin = started;
const results = await Promise.allSettled(
  Array.from({ length: count }, (_, i) =>
    client.galleryImageVersions.createOrUpdate(
      RG,
      "benchGallery",
      `def-${i % definitions}`,
      `1.0.${i}`,
      {
        location: "westeurope",
        publishingProfile: { targetRegions: [{ name: "westeurope", regionalReplicaCount: 1 }] },
        storageProfile: { source: { id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/images/img-${pad(i)}` } },
      },
      { updateIntervalInMs: pollMs },
    ),
  ),
);
const elapsedMs = performance.now() - started;

const failures = results.filter((r) => r.status === "rejected");
const succeeded = results.filter((r) => r.status === "fulfilled" && r.value.provisioningState === "Succeeded").length;
const stats = await emulator.stats();
const requests = Object.values(stats.requests).reduce((a, b) => a + b, 0);

// Correctness: every version exists, Succeeded, with its own source.
let verified = 0;
for (let d = 0; d < definitions; d += 1) {
  for await (const version of client.galleryImageVersions.listByGalleryImage(RG, "benchGallery", `def-${d}`)) {
    const i = Number(version.name?.split(".")[2]);
    if (version.provisioningState === "Succeeded" && version.storageProfile?.source?.id?.endsWith(`/img-${pad(i)}`)) verified += 1;
  }
}
await emulator.close();

const percentile = (xs: number[], p: number): number => Math.round([...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))] ?? 0);
const phases = Object.fromEntries(
  ["put", "poll", "get"].map((kind) => {
    const xs = timeline.filter((t) => t.kind === kind);
    const latency = xs.map((t) => t.end - t.start);
    return [kind, { n: xs.length, latencyMsP50: percentile(latency, 0.5), latencyMsMax: percentile(latency, 1), lastEndMs: percentile(xs.map((t) => t.end), 1) }];
  }),
);

const report = {
  versions: count,
  succeeded,
  failed: failures.length,
  verifiedByList: verified,
  timeScale,
  throttling: values.throttling,
  emulator: values["in-process"] ? "in-process" : "separate process",
  pollIntervalMs: pollMs,
  totalSeconds: Number((elapsedMs / 1000).toFixed(2)),
  requests,
  requestsPerSecond: Math.round(requests / (elapsedMs / 1000)),
  versionsPerSecond: Math.round(count / (elapsedMs / 1000)),
  throttled: stats.throttled,
  ruleViolations: stats.ruleViolations.length,
  requestsByType: stats.requests,
  tlsConnections: sockets,
  phases,
  rssGrowthMB: Math.round((process.memoryUsage().rss - memoryBefore) / 1e6),
};
console.log(JSON.stringify(report, null, 2));
if (failures.length > 0) {
  const first = failures[0] as PromiseRejectedResult;
  console.error(`first failure: ${String(first.reason instanceof Error ? first.reason.message : first.reason)}`);
}
process.exitCode = failures.length === 0 && verified === count ? 0 : 1;
