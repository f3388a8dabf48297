import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PassThrough } from "node:stream";
import { createAzureContext, readOnlyView, timeScaleFrom } from "../../../src/commands/azure-options.js";
import { AzureUnavailableError, UsageError } from "../../../src/errors.js";
import type { Io } from "../../../src/io.js";
import type { AzureReader } from "../../../src/azure/port.js";

const io: Io = {
  stdout: new PassThrough(),
  stderr: new PassThrough(),
  cwd: process.cwd(),
  env: {},
  signal: new AbortController().signal,
  hardSignal: new AbortController().signal,
};

describe("Azure options", () => {
  it("turns bad flags into usage errors (exit 2), before any network call", async () => {
    await assert.rejects(createAzureContext({ cloud: "Mars" }, io, { write: false }), (e: unknown) => e instanceof UsageError && /--cloud must be one of/.test(e.message));
    await assert.rejects(createAzureContext({ credential: "password" }, io, { write: false }), (e: unknown) => e instanceof UsageError && /--credential must be one of/.test(e.message));
    await assert.rejects(createAzureContext({ "arm-endpoint": "http://127.0.0.1:1" }, io, { write: false }), (e: unknown) => e instanceof UsageError && /https/.test(e.message));
    await assert.rejects(createAzureContext({ "ca-cert": "/nonexistent/ca.pem" }, io, { write: false }), (e: unknown) => e instanceof UsageError && /--ca-cert/.test(e.message));
    await assert.rejects(createAzureContext({ "time-scale": "fast" }, io, { write: false }), (e: unknown) => e instanceof UsageError);
    await assert.rejects(
      createAzureContext({ credential: "client-secret", "arm-endpoint": "https://127.0.0.1:1" }, io, { write: false }),
      (e: unknown) => e instanceof UsageError && /AZURE_TENANT_ID/.test(e.message),
    );
  });

  it("reports an endpoint nobody answers as Azure unavailable (exit 3)", async () => {
    await assert.rejects(
      createAzureContext({ credential: "emulator", "arm-endpoint": "https://127.0.0.1:1", "time-scale": "1000" }, io, { write: false }),
      (e: unknown) => e instanceof AzureUnavailableError && /cannot reach/.test(e.message),
    );
  });

  it("uses time scale 600 for --emulator unless told otherwise", () => {
    assert.equal(timeScaleFrom({ emulator: true }), 600);
    assert.equal(timeScaleFrom({ emulator: true, "time-scale": "60" }), 60);
    assert.equal(timeScaleFrom({}), 1);
  });

  it("hands read-only commands a reader without any write method", () => {
    const calls: string[] = [];
    const port = new Proxy({ armEndpoint: "https://x" } as Record<string, unknown>, {
      get: (target, name) => (name in target ? target[name as string] : (...args: unknown[]) => (calls.push(String(name)), args)),
    }) as unknown as AzureReader;
    const reader = readOnlyView(port) as unknown as Record<string, unknown>;
    for (const write of ["createGallery", "createDefinition", "submitVersion", "deleteVersion", "deleteImage"]) assert.equal(reader[write], undefined);
    void (reader["getImage"] as (id: string) => unknown)("id");
    assert.deepEqual(calls, ["getImage"]);
  });
});
