import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startEmulator } from "../../src/emulator/index.js";
import type { SeedDocument } from "../../src/emulator/seed.js";
import { azureArgs, cli, corpGallerySeed, SRC_IMAGES, SUB, writeCount } from "../integration/preview/helpers.js";

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

const IMAGES = SRC_IMAGES;

const seed: SeedDocument = corpGallerySeed(
  [
    { name: "good", osType: "Linux", hyperVGeneration: "V2", osDiskSizeGB: 30 },
    { name: "huge", osType: "Linux", hyperVGeneration: "V2", osDiskSizeGB: 100, dataDisks: [{ lun: 0, sizeGB: 1000 }, { lun: 1, sizeGB: 1000 }] },
    { name: "gen2", osType: "Linux", hyperVGeneration: "V2", osDiskSizeGB: 30 },
    { name: "other", osType: "Linux", hyperVGeneration: "V2", osDiskSizeGB: 30 },
    { name: "mine", osType: "Linux", hyperVGeneration: "V2", osDiskSizeGB: 30 },
  ],
  [
    { name: "legacy", osType: "Linux", hyperVGeneration: "V1", publisher: "Contoso", offer: "legacy", sku: "gen1" },
    {
      name: "web", osType: "Linux", hyperVGeneration: "V2", publisher: "Contoso", offer: "web", sku: "gen2",
      versions: [{ name: "1.0.0", source: `${IMAGES}/other`, targetRegions: ["westeurope"] }],
    },
  ],
);

const plan = `# yaml-language-server: $schema=../schemas/plan.schema.json
version: 1
defaults:
  gallery: { subscriptionId: ${SUB}, resourceGroup: rg-gallery, name: corpGallery }
  definition: { publisher: Contoso }
  version: { targetRegions: [westeurope] }
migrations:
  - source: ${IMAGES}/good
    definition: { name: good, offer: good, sku: gen2 }
    version: { name: 1.0.0 }
  - source: ${IMAGES}/huge
    definition: { name: huge, offer: huge, sku: gen2 }
    version: { name: 1.0.0 }
  - source: ${IMAGES}/gen2
    definition: { name: legacy, offer: legacy, sku: gen1 }
    version: { name: 1.0.0 }
  - source: ${IMAGES}/mine
    definition: { name: web, offer: web, sku: gen2 }
    version: { name: 1.0.0 }
  - source: ${IMAGES}/mine
    definition: { name: web, offer: web, sku: gen2 }
    version: { name: 2.0.0 }
`;

interface Preview {
  items: { source: string; definition: string; version: string; action: string; reason?: string; remedy?: string; notes: string[] }[];
  counts: Record<string, number>;
}

describe("plan against seeded blockers", { timeout: 60_000 }, () => {
  let emulator: Emulator;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "acg-plan-blockers-"));
    emulator = await startEmulator({ port: 0, seed, timeScale: 600, dataDir: join(dir, "emulator") });
    await writeFile(join(dir, "plan.yaml"), plan);
  });
  after(async () => {
    await emulator?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("reports exactly the seeded blockers, each with its remedy, exits 1 and writes nothing", async () => {
    const before = writeCount(emulator.stats());
    const result = await cli(["plan", "plan.yaml", "--json", ...azureArgs(emulator)], dir);
    assert.equal(result.code, 1, result.stderr);
    const preview = JSON.parse(result.stdout) as Preview;
    const rows = preview.items.map((i) => `${i.source.split("/").pop()}→${i.definition}/${i.version}: ${i.action}`);
    assert.deepEqual(rows, [
      "good→good/1.0.0: create",
      "huge→huge/1.0.0: blocked",
      "gen2→legacy/1.0.0: blocked",
      "mine→web/1.0.0: blocked",
      "mine→web/2.0.0: create-version",
    ]);
    const [, huge, gen2, taken] = preview.items;
    assert.match(huge!.reason!, /2100 GB in all, over the 2048 GB limit/);
    assert.match(huge!.remedy!, /reduce the disks/);
    assert.match(gen2!.reason!, /V1|V2/);
    assert.match(gen2!.reason!, /generation/i);
    assert.match(gen2!.remedy!, /definition/);
    assert.match(taken!.reason!, /^conflict: .*another source/);
    assert.match(taken!.remedy!, /choose another version name/);
    assert.deepEqual({ blocked: preview.counts.blocked, total: preview.counts.total }, { blocked: 3, total: 5 });
    assert.match(result.stderr, /blocked: .*2100 GB.*; remedy: /);
    assert.match(result.stderr, /Write permission cannot be proven without writing/);
    assert.equal(writeCount(emulator.stats()), before, "plan made no write");
  });

  it("refuses a plan that does not validate with exit 2 and the problem's position", async () => {
    await writeFile(join(dir, "bad.yaml"), plan.replace("name: 2.0.0", "name: two"));
    const result = await cli(["plan", "bad.yaml", ...azureArgs(emulator)], dir);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^bad\.yaml:\d+:\d+: migrations\[4\]\.version\.name: /m);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  it("exits 3 when the endpoint cannot be reached", async () => {
    const result = await cli(["plan", "plan.yaml", "--arm-endpoint", "https://127.0.0.1:9", "--credential", "emulator", "--time-scale", "1000"], dir);
    assert.equal(result.code, 3, result.stderr);
  });

  it("discover refuses bad flags with exit 2 and a clear message before any Azure call", async () => {
    const base = ["discover", "--subscription", SUB, ...azureArgs(emulator)];
    const cases: [string[], RegExp][] = [
      [["--gallery", "g", "--gallery-resource-group", "rg-gallery", "--json"], /--json prints a summary on stdout, so the plan needs -o FILE/],
      [["--gallery", "my-gallery", "--gallery-resource-group", "rg-gallery"], /'my-gallery' is not a valid gallery name/],
      [["--gallery", "g", "--gallery-resource-group", "rg-gallery", "--target-region", "westeuorpe"], /unknown region 'westeuorpe'; did you mean 'westeurope'\?/],
      [["--gallery", "g", "--gallery-resource-group", "rg-gallery", "--group-by", "size"], /--group-by must be 'image' or 'name'/],
      [["--gallery", "g"], /--gallery-resource-group RG is required/],
    ];
    const before = emulator.stats().requests;
    for (const [args, message] of cases) {
      const result = await cli([...base, ...args], dir);
      assert.equal(result.code, 2, args.join(" "));
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    }
    assert.deepEqual(emulator.stats().requests, before);
  });

  it("discover names the problem images and leaves them out, as comments", async () => {
    const result = await cli(["discover", "--subscription", SUB, "--resource-group", "rg-src", "--gallery", "corpGallery", "--gallery-resource-group", "rg-gallery", ...azureArgs(emulator)], dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /# {3}\/subscriptions\/.*\/images\/huge\n# {5}image is 2100 GB in all/);
    // `other` feeds web/1.0.0 already: discover keeps that and plans nothing new for it.
    assert.match(result.stdout, /# already migrated to web\/1\.0\.0.*\n {2}- source: .*\/images\/other/);
    assert.match(result.stderr, /gallery corpGallery exists in westeurope with 2 definition\(s\) and 1 version\(s\)/);
  });
});
