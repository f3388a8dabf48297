import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { restorePoller } from "@azure/arm-compute";
import { UsageError } from "../../../src/errors.js";
import { startEmulator } from "../../../src/emulator/index.js";
import { clientFor, imageIdOf, quietFaults, smallSeed } from "./helpers.js";

describe("emulator --data-dir", () => {
  it("keeps resources, in-flight operations, the certificate and the port across a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "emu-restart-"));
    const faults = quietFaults();
    // 120 simulated minutes at ×6000: 1.2 s real, so the version is still replicating at the restart.
    const options = { seed: smallSeed(), faults: { ...faults, replication: { ...faults.replication, baseMinutes: 120 } }, timeScale: 6000, dataDir: dir };
    try {
      const first = await startEmulator(options);
      const client = clientFor(first);
      await client.galleries.beginCreateOrUpdateAndWait("rg-gallery", "g", { location: "westeurope" }, { updateIntervalInMs: 5 });
      await client.galleryImages.beginCreateOrUpdateAndWait(
        "rg-gallery", "g", "d",
        { location: "westeurope", osType: "Linux", osState: "Generalized", hyperVGeneration: "V2", identifier: { publisher: "p", offer: "o", sku: "s" } },
        { updateIntervalInMs: 5 },
      );
      const poller = client.galleryImageVersions.createOrUpdate(
        "rg-gallery", "g", "d", "1.0.0",
        { location: "westeurope", storageProfile: { source: { id: imageIdOf("rg-images", "linux-v2") } } },
        { updateIntervalInMs: 5 },
      );
      await poller.submitted();
      const saved = await poller.serialize();
      await first.close();

      const second = await startEmulator(options);
      try {
        assert.equal(second.endpoint, first.endpoint);
        assert.equal(second.caCert, first.caCert);
        const again = clientFor(second);
        // Simulated time stood still while the emulator was down: the version is still replicating.
        assert.equal((await again.galleryImageVersions.get("rg-gallery", "g", "d", "1.0.0")).provisioningState, "Creating");
        const restored = restorePoller(again, saved, again.galleryImageVersions.createOrUpdate, { updateIntervalInMs: 5 });
        const version = await restored.pollUntilDone();
        assert.equal(version.provisioningState, "Succeeded");
        assert.equal(version.storageProfile?.osDiskImage?.sizeInGB, 30);
        assert.deepEqual(second.stats().creates, {}, "resuming sent no new PUT");
        assert.equal((await again.galleries.get("rg-gallery", "g")).provisioningState, "Succeeded");
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a port that is taken, with a clear error", async () => {
    const first = await startEmulator({ seed: smallSeed(), faults: quietFaults() });
    try {
      const port = Number(new URL(first.endpoint).port);
      await assert.rejects(startEmulator({ seed: smallSeed(), faults: quietFaults(), port }), (e: unknown) => e instanceof UsageError && /port \d+ on 127\.0\.0\.1 is already in use/.test(e.message));
    } finally {
      await first.close();
    }
  });
});
