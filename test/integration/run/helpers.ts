/**
 * Shared by the run integration and e2e tests: synthetic seeds and plans in a temp dir, the
 * emulator started in the test process, the CLI run in-process (integration) or spawned (e2e).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { main } from "../../../src/main.js";
import type { EmulatorStats } from "../../../src/emulator/stats.js";

export const SUB = "00000000-0000-0000-0000-000000000001";
export const RG = "rg-images";

/** The CLI's compiled entry (dist/src/cli.js). */
export const CLI = fileURLToPath(new URL("../../../src/cli.js", import.meta.url));

export interface SeedImageSpec {
  name: string;
  hyperVGeneration?: "V1" | "V2";
  osType?: "Linux" | "Windows";
  location?: string;
}

export interface SeedDefinitionSpec {
  name: string;
  hyperVGeneration: "V1" | "V2";
  osType?: "Linux" | "Windows";
  publisher: string;
  offer: string;
  sku: string;
  versions?: { name: string; source: string; failed?: boolean }[];
}

/** The id of a seeded image. */
export function imageIdOf(name: string): string {
  return `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/images/${name}`;
}

/** Seed YAML with the given images (optionally a pre-existing gallery with definitions, and further empty resource groups in westeurope). */
export function seedYaml(images: SeedImageSpec[], gallery?: { name: string; definitions: SeedDefinitionSpec[] }, emptyResourceGroups: string[] = []): string {
  const lines = [
    "subscriptions:",
    `  - id: ${SUB}`,
    "    resourceGroups:",
    `      - name: ${RG}`,
    "        location: westeurope",
    "        images:",
    ...images.flatMap((i) => [
      `          - name: ${i.name}`,
      `            location: ${i.location ?? "westeurope"}`,
      `            osType: ${i.osType ?? "Linux"}`,
      ...(i.hyperVGeneration ? [`            hyperVGeneration: ${i.hyperVGeneration}`] : []),
      "            osDiskSizeGB: 30",
    ]),
  ];
  if (gallery) {
    lines.push("        galleries:", `          - name: ${gallery.name}`, "            location: westeurope", "            definitions:");
    for (const d of gallery.definitions) {
      lines.push(
        `              - name: ${d.name}`,
        `                osType: ${d.osType ?? "Linux"}`,
        "                osState: Generalized",
        `                hyperVGeneration: ${d.hyperVGeneration}`,
        `                publisher: ${d.publisher}`,
        `                offer: ${d.offer}`,
        `                sku: ${d.sku}`,
        "                securityType: Standard",
      );
      if (d.versions?.length) {
        lines.push("                versions:");
        for (const v of d.versions) {
          lines.push(`                  - name: ${v.name}`, `                    source: ${v.source}`, "                    targetRegions: [westeurope]");
          if (v.failed) lines.push("                    provisioningState: Failed");
        }
      }
    }
  }
  for (const name of emptyResourceGroups) lines.push(`      - name: ${name}`, "        location: westeurope");
  return `${lines.join("\n")}\n`;
}

export interface PlanItemSpec {
  image: string;
  definition: string;
  version: string;
  offer?: string;
  sku?: string;
  /** This item's own target regions (default: the plan's defaults). */
  regions?: string[];
}

/** Plan YAML: every item into gallery `gallery` (created when missing), two target regions. */
export function planYaml(items: PlanItemSpec[], options: { gallery?: string; regions?: string[] } = {}): string {
  const regions = options.regions ?? ["westeurope", "northeurope"];
  return [
    "version: 1",
    "defaults:",
    "  gallery:",
    `    subscriptionId: ${SUB}`,
    `    resourceGroup: ${RG}`,
    `    name: ${options.gallery ?? "migrated"}`,
    "    location: westeurope",
    "    create: true",
    "  definition:",
    "    publisher: Contoso",
    "    securityType: Standard",
    "  version:",
    `    targetRegions: [${regions.join(", ")}]`,
    "    replicaCount: 1",
    "migrations:",
    ...items.flatMap((i) => [
      `  - source: ${imageIdOf(i.image)}`,
      "    definition:",
      `      name: ${i.definition}`,
      `      offer: ${i.offer ?? `offer-${i.definition}`}`,
      `      sku: ${i.sku ?? "sku1"}`,
      "    version:",
      `      name: ${i.version}`,
      ...(i.regions ? [`      targetRegions: [${i.regions.join(", ")}]`] : []),
    ]),
    "",
  ].join("\n");
}

/** N images spread over definitions of `perDefinition` versions each (distinct sources). */
export function bulk(count: number, perDefinition: number): { images: SeedImageSpec[]; items: PlanItemSpec[] } {
  const images: SeedImageSpec[] = [];
  const items: PlanItemSpec[] = [];
  for (let i = 0; i < count; i++) {
    const name = `img-${String(i).padStart(4, "0")}`;
    images.push({ name, hyperVGeneration: "V2" });
    const def = Math.floor(i / perDefinition);
    items.push({ image: name, definition: `def-${def}`, version: `1.0.${i % perDefinition}` });
  }
  return { images, items };
}

/** A temp dir removed at the end of the test. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `acg-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes a file and returns its path. */
export function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The stats the emulator reports: the emulator's own type, so the tests read exactly what it counts. */
export type { EmulatorStats };

export interface RunningEmulator {
  endpoint: string;
  caCert: string;
  caCertPath: string;
  subscriptionId: string;
  timeScale: number;
  stats(): EmulatorStats;
  close(): Promise<void>;
}

interface EmulatorModule {
  startEmulator(options: Record<string, unknown>): Promise<RunningEmulator>;
}

/** Starts the emulator in this process. */
export async function startTestEmulator(options: { seed: string; timeScale: number; dataDir: string; faults?: unknown }): Promise<RunningEmulator> {
  const mod = (await import(new URL("../../../src/emulator/index.js", import.meta.url).href)) as EmulatorModule;
  return mod.startEmulator({ port: 0, ...options });
}

/** The Azure flags that point the CLI at an emulator, as a user would pass them. */
export function emulatorFlags(emulator: RunningEmulator): string[] {
  return ["--arm-endpoint", emulator.endpoint, "--ca-cert", emulator.caCertPath, "--credential", "emulator", "--time-scale", String(emulator.timeScale)];
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process (same code path as the binary, minus process signals). */
export async function runInProcess(argv: string[], cwd: string, signal?: AbortSignal): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  stderr.on("data", (c: Buffer) => (err += c.toString()));
  const code = await main(argv, {
    stdout,
    stderr,
    cwd,
    env: { ...process.env, AZURE_TOKEN_CREDENTIALS: undefined },
    signal: signal ?? new AbortController().signal,
    hardSignal: new AbortController().signal,
  });
  return { code, stdout: out, stderr: err };
}

/** Spawns the CLI as a user would; `onStderr` sees progress as it comes (to time a signal). */
export function spawnCli(
  argv: string[],
  cwd: string,
  options: { env?: Record<string, string>; onStderr?: (text: string, child: ReturnType<typeof spawn>) => void } = {},
): Promise<CliResult & { signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...argv], { cwd, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString();
      options.onStderr?.(err, child);
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? -1, signal, stdout: out, stderr: err }));
  });
}

/** Requests that wrote (PUT/PATCH/DELETE), by "<METHOD> <type>". */
export function writes(stats: EmulatorStats): Record<string, number> {
  return Object.fromEntries(Object.entries(stats.requests).filter(([k]) => /^(PUT|PATCH|DELETE|POST) /.test(k)));
}

/** `after - before` per key, keeping non-zero deltas only. */
export function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) !== 0) out[k] = v - (before[k] ?? 0);
  return out;
}
