import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { startEmulator } from "../../src/emulator/index.js";
import { azureArgs, bulkSeed, cli, SUB, writeCount } from "../integration/preview/helpers.js";

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

interface DiscoverSummary {
  images: number;
  migrations: number;
  skipped: { id: string; reason: string }[];
  definitions: number;
}

describe("discover → validate → plan → run on 300 images in 5 resource groups and 3 regions", { timeout: 300_000 }, () => {
  let emulator: Emulator;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "acg-discover-e2e-"));
    emulator = await startEmulator({ port: 0, seed: bulkSeed(), timeScale: 6000, dataDir: join(dir, "emulator") });
  });
  after(async () => {
    await emulator?.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const groupBy of ["image", "name"] as const) {
    it(`works end to end with no edits, --group-by ${groupBy}, and discover and plan write nothing`, async () => {
      const planFile = `${groupBy}.yaml`;
      const gallery = groupBy === "image" ? "imageGallery" : "nameGallery";
      const writesBefore = writeCount(emulator.stats());
      const discovered = await cli(
        ["discover", "--subscription", SUB, "--gallery", gallery, "--gallery-resource-group", "rg-gallery", "--group-by", groupBy,
          "--target-region", "westeurope", "-o", planFile, "--json", ...azureArgs(emulator)],
        dir,
      );
      assert.equal(discovered.code, 0, discovered.stderr);
      const summary = JSON.parse(discovered.stdout) as DiscoverSummary;
      assert.equal(summary.images, 300);
      assert.equal(summary.migrations, 298);
      assert.deepEqual(summary.skipped.map((s) => s.id.split("/").slice(-6).join("/")).sort(), [
        "resourceGroups/rg-images-0/providers/Microsoft.Compute/images/app-v1",
        "resourceGroups/rg-images-1/providers/Microsoft.Compute/images/base-20240101",
      ]);
      assert.equal(summary.definitions, groupBy === "image" ? 298 : 5);
      assert.equal(writeCount(emulator.stats()), writesBefore, "discover made no write");

      const text = await readFile(join(dir, planFile), "utf8");
      assert.match(text.split("\n")[0]!, /^# yaml-language-server: \$schema=\S+plan\.schema\.json$/);
      assert.match(text, /# Not migrated: 2 image\(s\)/);
      const written = parse(text) as { migrations: { source: string; definition: { name: string }; version: { name: string; targetRegions: string[] } }[] };
      assert.ok(written.migrations.every((m) => m.source.startsWith(`/subscriptions/${SUB}/resourceGroups/`)));
      if (groupBy === "name") {
        const web = written.migrations.filter((m) => m.definition.name === "web");
        assert.equal(web.length, 60);
        assert.deepEqual(web.slice(0, 3).map((m) => [m.source.split("/").pop(), m.version.name]), [
          ["web-2024-01", "1.0.0"],
          ["web-2024-01", "2.0.0"],
          ["web-2024-01", "3.0.0"],
        ]);
        assert.equal(web.at(-1)!.source.split("/").pop(), "web-2024-12");
      }

      const validated = await cli(["validate", planFile], dir);
      assert.equal(validated.code, 0, validated.stderr);

      const planned = await cli(["plan", planFile, "--json", ...azureArgs(emulator)], dir);
      assert.equal(planned.code, 0, planned.stderr);
      const preview = JSON.parse(planned.stdout) as { counts: Record<string, number>; items: { action: string }[] };
      assert.equal(preview.counts.total, 298);
      assert.equal(preview.counts.blocked, 0);
      assert.equal(preview.counts.create, groupBy === "image" ? 298 : 5);
      assert.equal(preview.counts["create-version"], groupBy === "image" ? 0 : 293);
      assert.match(planned.stderr, /Write permission cannot be proven without writing/);
      assert.equal(writeCount(emulator.stats()), writesBefore, "plan made no write");

      // A generous deadline: at this time scale the default one (6 simulated hours) is 3.6 real seconds, which a busy machine can miss.
      const ran = await cli(["run", planFile, "--concurrency", "32", "--item-timeout", "100000", ...azureArgs(emulator)], dir, 240_000);
      assert.equal(ran.code, 0, ran.stderr.slice(-3000));
      const created = Object.keys(emulator.stats().creates).filter((id) => id.toLowerCase().includes(`/galleries/${gallery.toLowerCase()}/images/`) && id.includes("/versions/"));
      assert.equal(created.length, 298);

      const again = await cli(["plan", planFile, "--json", ...azureArgs(emulator)], dir);
      assert.equal(again.code, 0, again.stderr);
      assert.equal((JSON.parse(again.stdout) as { counts: Record<string, number> }).counts.done, 298);
    });
  }
});
