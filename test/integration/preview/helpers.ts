/** Shared by the plan/discover/cleanup end-to-end tests: an emulator in this process, the CLI spawned as a user runs it. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { SeedDefinition, SeedDocument, SeedImage } from "../../../src/emulator/seed.js";

/** The compiled CLI, as package.json's bin names it. */
export const CLI = fileURLToPath(new URL("../../../src/cli.js", import.meta.url));

/** What a CLI run left behind. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns the CLI asynchronously (the emulator in this process must keep answering), stdin not a terminal. */
export function cli(args: string[], cwd: string, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, NODE_NO_WARNINGS: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.stdin.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The flags that point a command at an emulator. */
export function azureArgs(emulator: { endpoint: string; caCertPath: string; timeScale: number }): string[] {
  return ["--arm-endpoint", emulator.endpoint, "--ca-cert", emulator.caCertPath, "--credential", "emulator", "--time-scale", String(emulator.timeScale)];
}

/** Requests that could change something (anything but GET/HEAD), from the emulator's stats. */
export function writeCount(stats: { requests: Record<string, number> }): number {
  return Object.entries(stats.requests)
    .filter(([key]) => !/^(GET|HEAD) /.test(key))
    .reduce((sum, [, n]) => sum + n, 0);
}

/** Sum of the requests whose "METHOD type" key matches. */
export function requestCount(stats: { requests: Record<string, number> }, pattern: RegExp): number {
  return Object.entries(stats.requests)
    .filter(([key]) => pattern.test(key))
    .reduce((sum, [, n]) => sum + n, 0);
}

/** Subscription of every seed here. */
export const SUB = "00000000-0000-0000-0000-000000000001";

/** Where `corpGallerySeed` puts its source images: append `/<name>` for an image's id. */
export const SRC_IMAGES = `/subscriptions/${SUB}/resourceGroups/rg-src/providers/Microsoft.Compute/images`;

/** One subscription: `images` in rg-src, and a gallery corpGallery in rg-gallery holding `definitions` (all in westeurope). */
export function corpGallerySeed(images: SeedImage[], definitions: SeedDefinition[]): SeedDocument {
  return {
    subscriptions: [
      {
        id: SUB,
        resourceGroups: [
          { name: "rg-src", location: "westeurope", images },
          { name: "rg-gallery", location: "westeurope", galleries: [{ name: "corpGallery", location: "westeurope", definitions }] },
        ],
      },
    ],
  };
}

const REGIONS = ["westeurope", "northeurope", "swedencentral"];
const FAMILIES: { stem: string; osType: "Linux" | "Windows"; hyperVGeneration?: "V1" | "V2"; name: (k: number) => string }[] = [
  { stem: "web", osType: "Linux", hyperVGeneration: "V2", name: (k) => `web-2024-${String(k + 1).padStart(2, "0")}` },
  { stem: "app", osType: "Linux", hyperVGeneration: "V2", name: (k) => `app-v${k + 1}` },
  { stem: "base", osType: "Windows", hyperVGeneration: "V1", name: (k) => `base-2024${String(k + 1).padStart(2, "0")}01` },
  // Old images record no generation: treated as V1.
  { stem: "ci", osType: "Linux", name: (k) => `ci-1.${k}` },
  { stem: "db", osType: "Windows", hyperVGeneration: "V2", name: (k) => `db_v${k + 1}` },
];

/**
 * 300 managed images in 5 resource groups and 3 regions, five name families with version-like
 * suffixes; one is not Succeeded and one is over the size limit (discover leaves both out).
 * `rg-gallery` holds no image: the galleries go there.
 */
export function bulkSeed(): SeedDocument {
  const groups = Array.from({ length: 5 }, (_, r) => {
    const images: SeedImage[] = Array.from({ length: 60 }, (_, i) => {
      const family = FAMILIES[i % FAMILIES.length]!;
      return {
        name: family.name(Math.floor(i / FAMILIES.length)),
        location: REGIONS[(r + i) % REGIONS.length]!,
        osType: family.osType,
        ...(family.hyperVGeneration ? { hyperVGeneration: family.hyperVGeneration } : {}),
        osDiskSizeGB: 30,
        ...(i % 7 === 0 ? { tags: { env: "prod", family: family.stem } } : {}),
      };
    });
    return { name: `rg-images-${r}`, location: REGIONS[r % REGIONS.length]!, images };
  });
  groups[0]!.images[1]!.provisioningState = "Failed";
  groups[1]!.images[2]!.dataDisks = [{ lun: 0, sizeGB: 1000 }, { lun: 1, sizeGB: 1023 }];
  return { subscriptions: [{ id: SUB, resourceGroups: [...groups, { name: "rg-gallery", location: "westeurope" }] }] };
}
