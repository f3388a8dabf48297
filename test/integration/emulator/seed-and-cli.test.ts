import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { InputError } from "../../../src/errors.js";
import { startEmulator } from "../../../src/emulator/index.js";
import { parseSeed } from "../../../src/emulator/seed.js";
import { arm, clientFor, quietFaults } from "./helpers.js";

const CLI = fileURLToPath(new URL("../../../src/cli.js", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

function problemsOf(text: string, file = "seed.yaml"): string[] {
  try {
    parseSeed(text, file);
  } catch (error: unknown) {
    assert.ok(error instanceof InputError);
    return error.problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.path}: ${p.message}`);
  }
  return [];
}

describe("emulator seed", () => {
  it("reports every problem with FILE:LINE:COL and the JSON path", () => {
    const problems = problemsOf(
      [
        "subscriptions:",
        "  - id: 00000000-0000-0000-0000-000000000001",
        "    resourceGroups:",
        "      - name: rg",
        "        location: westeurope",
        "        images:",
        "          - name: a",
        "            osType: Solaris",
        "          - name: b",
        "            osType: Linux",
        "            colour: blue",
        "      - name: rg2",
        "        location: atlantis",
      ].join("\n"),
    );
    assert.deepEqual(problems, [
      "seed.yaml:8:21: subscriptions[0].resourceGroups[0].images[0].osType: must be one of Linux, Windows",
      "seed.yaml:9:13: subscriptions[0].resourceGroups[0].images[1]: unknown property 'colour'",
    ]);
    assert.deepEqual(problemsOf("subscriptions:\n  - id: 00000000-0000-0000-0000-000000000001\n    resourceGroups:\n      - name: rg2\n        location: atlantis\n"), [
      "seed.yaml:5:19: subscriptions[0].resourceGroups[0].location: unknown region 'atlantis'",
    ]);
    assert.deepEqual(problemsOf("subscriptions: [\n"), ["seed.yaml:2:1: $: Flow sequence in block collection must be sufficiently indented and end with a ]"]);
  });

  it("generates deterministic synthetic images across resource groups, with a mix of OS and generations", async () => {
    const seed = parseSeed(
      "subscriptions:\n  - id: 00000000-0000-0000-0000-000000000002\ngenerate:\n  subscriptionId: 00000000-0000-0000-0000-000000000002\n  count: 23\n  resourceGroups: 4\n  locations: [westeurope, northeurope]\n",
      "gen.yaml",
    );
    const emulator = await startEmulator({ seed, faults: quietFaults(), pageSize: 10 });
    try {
      const client = clientFor(emulator);
      assert.equal(emulator.subscriptionId, "00000000-0000-0000-0000-000000000002");
      const images = [];
      for await (const image of client.images.list()) images.push(image);
      assert.equal(images.length, 23);
      assert.equal(images[0]!.name, "gen-00001");
      assert.equal(new Set(images.map((i) => i.id!.split("/")[4])).size, 4);
      assert.deepEqual(new Set(images.map((i) => i.location)), new Set(["westeurope", "northeurope"]));
      assert.deepEqual(new Set(images.map((i) => i.storageProfile?.osDisk?.osType)), new Set(["Linux", "Windows"]));
      assert.deepEqual(new Set(images.map((i) => i.hyperVGeneration)), new Set(["V1", "V2", undefined]));
    } finally {
      await emulator.close();
    }
  });

  it("loads the example seed with its pre-existing gallery contents as finished", async () => {
    const emulator = await startEmulator({ faults: quietFaults(), pageSize: 100 });
    try {
      const client = clientFor(emulator);
      assert.equal(emulator.subscriptionId, "00000000-0000-0000-0000-000000000001");
      const names = [];
      for await (const image of client.images.listByResourceGroup("rg-legacy-images")) names.push(image.name);
      assert.deepEqual(names.slice(0, 3), ["web-2024-01", "web-2024-02", "win-iis-2022"]);
      const win = await client.images.get("rg-legacy-images", "win-iis-2022");
      assert.equal(win.hyperVGeneration, "V1");
      assert.equal(win.storageProfile?.osDisk?.diskSizeGB, 127);
      const galleries = [];
      for await (const g of client.galleries.listByResourceGroup("rg-gallery")) galleries.push(g);
      assert.deepEqual(galleries, []);
    } finally {
      await emulator.close();
    }
  });

  it("serves seeded versions as Succeeded and Completed", async () => {
    const sub = "00000000-0000-0000-0000-000000000001";
    const source = `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Compute/images/img`;
    const emulator = await startEmulator({
      faults: quietFaults(),
      seed: {
        subscriptions: [
          {
            id: sub,
            resourceGroups: [
              {
                name: "rg",
                location: "westeurope",
                images: [{ name: "img", osType: "Linux", hyperVGeneration: "V2", osDiskSizeGB: 40 }],
                galleries: [{ name: "gal", definitions: [{ name: "def", osType: "Linux", hyperVGeneration: "V2", publisher: "p", offer: "o", sku: "s", versions: [{ name: "1.0.0", source, targetRegions: ["westeurope", "northeurope"] }] }] }],
              },
            ],
          },
        ],
      },
    });
    try {
      const v = await clientFor(emulator).galleryImageVersions.get("rg", "gal", "def", "1.0.0", { expand: "ReplicationStatus" });
      assert.equal(v.provisioningState, "Succeeded");
      assert.equal(v.replicationStatus?.aggregatedState, "Completed");
      assert.equal(v.storageProfile?.osDiskImage?.sizeInGB, 40);
      assert.deepEqual(v.publishingProfile?.targetRegions?.map((t) => t.name), ["West Europe", "North Europe"]);
    } finally {
      await emulator.close();
    }
  });
});

describe("acg-migrate emulator", () => {
  it("prints the start line, serves, and exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, [CLI, "emulator", "--port", "0", "--time-scale", "60"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    try {
      const first = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once("line", resolve);
        child.once("exit", (code) => reject(new Error(`exited ${code} before the start line`)));
      });
      const start = JSON.parse(first) as { endpoint: string; caCert: string; subscriptionId: string; timeScale: number };
      assert.match(start.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(start.subscriptionId, "00000000-0000-0000-0000-000000000001");
      assert.equal(start.timeScale, 60);
      const { readFileSync } = await import("node:fs");
      const caCert = readFileSync(start.caCert, "utf8");
      const handle = { endpoint: start.endpoint, caCert } as Parameters<typeof arm>[0];
      const stats = await arm(handle, "GET", "/_emulator/stats", undefined, {});
      assert.equal(stats.status, 200);
      const denied = await arm(handle, "GET", `/subscriptions/${start.subscriptionId}/providers/Microsoft.Compute/images?api-version=2024-07-01`, undefined, {});
      assert.equal(denied.status, 401);
    } finally {
      child.kill("SIGTERM");
    }
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    assert.equal(code, 0);
  });

  it("exits 2 with FILE:LINE:COL problems for a bad seed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "emu-cli-"));
    try {
      writeFileSync(join(dir, "bad.yaml"), "subscriptions:\n  - id: not-a-guid\n");
      const child = spawn(process.execPath, [CLI, "emulator", "--seed", "bad.yaml"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      assert.equal(code, 2);
      assert.match(stderr, /^bad\.yaml:2:9: subscriptions\[0\]\.id: must match pattern/m);
      assert.doesNotMatch(stderr, /at .*\.js:\d+/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
