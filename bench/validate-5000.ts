/**
 * Generates a plan of N migrations (default 5,000) and times `acg-migrate validate` on it, as a user
 * would run it (a fresh process each time, so start-up and schema compilation count). Also reports
 * the CPU time of one cold in-process validation: on a busy machine wall time mostly measures the
 * other processes, CPU time does not.
 *   npm run build && node dist/bench/validate-5000.js [count] [runs]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SUB = "00000000-0000-0000-0000-000000000001";
const REGIONS = ["westeurope", "northeurope", "Sweden Central", "eastus", "West US 2"];

/** A realistic plan: defaults, both source forms, 50 definitions with 100 versions each, per-region overrides. */
export function generatePlan(count: number): string {
  const lines = [
    "# yaml-language-server: $schema=../schemas/plan.schema.json",
    "version: 1",
    "execution: { concurrency: 16 }",
    "defaults:",
    `  gallery: { subscriptionId: ${SUB}, resourceGroup: rg-gallery, name: corpGallery, location: westeurope, create: true }`,
    "  definition: { publisher: Contoso, securityType: Standard }",
    "  version:",
    "    replicaCount: 1",
    '    endOfLifeDate: "2035-12-31T00:00:00Z"',
    "    targetRegions: [westeurope, { name: northeurope, replicaCount: 2, storageAccountType: Standard_ZRS }]",
    "  tags: { migratedBy: acg-migrate }",
    "migrations:",
  ];
  for (let i = 0; i < count; i++) {
    const definition = `app-${i % 50}`;
    const version = `1.${Math.floor(i / 50)}.0`;
    const rg = `rg-images-${i % 20}`;
    lines.push(
      i % 2 === 0
        ? `  - source: /subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Compute/images/image-${i}`
        : `  - source: { subscriptionId: ${SUB}, resourceGroup: ${rg}, name: image-${i} }`,
      "    definition:",
      `      name: ${definition}`,
      `      offer: App${i % 50}`,
      "      sku: server",
      `      osType: ${i % 50 < 25 ? "Linux" : "Windows"}`,
      "    version:",
      `      name: ${version}`,
      ...(i % 3 === 0
        ? [`      targetRegions: [${REGIONS[i % 5]}, { name: "${REGIONS[(i + 1) % 5]}", replicaCount: 3 }]`]
        : []),
      `    tags: { index: "${i}" }`,
    );
  }
  return `${lines.join("\n")}\n`;
}

async function cpuOfOneValidation(file: string): Promise<number> {
  const before = process.cpuUsage();
  // Imported here, not at the top, so module loading and schema compilation are counted too.
  const { validatePlanFile } = await import("../src/plan/load.js");
  const result = await validatePlanFile(file);
  if (result.problems.length > 0) throw new Error(`unexpected problems: ${result.problems[0]!.message}`);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 5000);
  const runs = Number(process.argv[3] ?? 5);
  const dir = mkdtempSync(join(tmpdir(), "acg-bench-"));
  try {
    const file = join(dir, "big.yaml");
    writeFileSync(file, generatePlan(count));
    const cli = fileURLToPath(new URL("../src/cli.js", import.meta.url));
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      const start = process.hrtime.bigint();
      const result = spawnSync(process.execPath, [cli, "validate", file], { encoding: "utf8" });
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (result.status !== 0) {
        process.stderr.write(result.stderr.split("\n").slice(0, 10).join("\n"));
        throw new Error(`validate exited ${String(result.status)}`);
      }
      if (r === 0) process.stdout.write(result.stderr);
    }
    times.sort((a, b) => a - b);
    const cpu = await cpuOfOneValidation(file);
    const size = (statSync(file).size / 1024 / 1024).toFixed(2);
    process.stdout.write(
      `${count} migrations, ${size} MiB: validate wall time over ${runs} runs: ` +
        `min ${times[0]!.toFixed(0)} ms, median ${times[Math.floor(runs / 2)]!.toFixed(0)} ms, max ${times.at(-1)!.toFixed(0)} ms; ` +
        `CPU of one in-process validation (imports included): ${cpu.toFixed(0)} ms\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
