import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { oneSubscription, startContractEmulator } from "./harness.js";
import type { ContractEmulator } from "./harness.js";
import { pollOperation, rawArm } from "./raw-arm.js";
import type { RawAnswer } from "./raw-arm.js";
import { loadSpec, specDir, undeclaredKeys } from "./swagger-schema.js";
import type { SpecOperation } from "./swagger-schema.js";
import { compareShape, unexplained, valuesAt } from "./shape.js";

/**
 * For each example of the copied spec (GalleryRP 2025-03-03 and the ComputeRP image examples), the
 * emulator gets the example's request (method and path from the operation that names the example,
 * path and query from its parameters, body from its body parameter), must answer with the
 * example's status code for the case (create 201, update 200, delete 202, get 200), with every key
 * of the example's body at every level, no key the spec does not declare, and a body that validates
 * against the spec's definition.
 *
 * Adaptations, each because the emulator does not model something:
 * - version create: `targetRegions[].encryption` is removed from the request (disk encryption sets
 *   are not modelled), so it is absent from the answers;
 * - the example's placeholders (`{subscription-id}`, `{resourceGroup}`, `{imageName}`) become the
 *   seeded subscription, resource group and managed image `myImage` (Windows, West US, a 20 GB OS
 *   disk and a data disk at LUN 1, as Image_Get.json describes it);
 * - examples are run in one order on one emulator so that each finds what it needs (the gallery
 *   before its definition, a finished version before its GET), and the deletes come last.
 */

const SUB = "00000000-0000-0000-0000-0000000000c1";
const RG = "myResourceGroup";

/** Keys of the examples that the emulator leaves out, with why. `kind:path` as compareShape writes them. */
const commonAllowances: Record<string, string> = {
  "missing:properties.publishingProfile.targetRegions[].encryption": "disk encryption sets are not modelled; the request was sent without them",
  "missing:value[].properties.publishingProfile.targetRegions[].encryption": "disk encryption sets are not modelled; the request was sent without them",
  "missing:properties.safetyProfile.policyViolations": "read-only, present only when the platform flagged the image; the emulator flags none",
  "missing:value[].properties.safetyProfile.policyViolations": "read-only, present only when the platform flagged the image; the emulator flags none",
};

/**
 * From api-version 2025-03-03 a version without a storage type gets the `PreferStandard_ZRS`
 * strategy instead of `publishingProfile.storageAccountType` (FACTS.md §1.1); the examples, written
 * for older versions, still show `storageAccountType: Standard_LRS`. The case checks the strategy.
 */
const strategyInsteadOfType: Record<string, string> = {
  "missing:properties.publishingProfile.storageAccountType": "2025-03-03 defaults to storageAccountStrategy PreferStandard_ZRS instead",
  "missing:value[].properties.publishingProfile.storageAccountType": "2025-03-03 defaults to storageAccountStrategy PreferStandard_ZRS instead",
};

interface Case {
  example: string;
  status: number;
  /** Extra allowances for this case, with why. */
  allow?: Record<string, string>;
  /** Changes the example's request body (documented in the header comment). */
  adapt?: (body: Record<string, unknown>) => void;
  /** Wait for the operation the request started. */
  settle?: boolean;
  /** Headers the example's answer carries for this status, which must be present. */
  headers?: string[];
  /** A version created at 2025-03-03 without a storage type: the strategy replaces the type. */
  strategy?: boolean;
}

function withoutEncryption(body: Record<string, unknown>): void {
  const regions = ((body["properties"] as Record<string, unknown> | undefined)?.["publishingProfile"] as { targetRegions?: Record<string, unknown>[] } | undefined)?.targetRegions ?? [];
  for (const region of regions) delete region["encryption"];
}

const cases: Case[] = [
  { example: "Gallery_Create.json", status: 201, settle: true },
  { example: "Gallery_Create.json", status: 200, settle: true },
  { example: "GalleryImage_Create.json", status: 201, settle: true },
  { example: "GalleryImage_Create.json", status: 200, settle: true },
  { example: "GalleryImage_Get.json", status: 200 },
  {
    example: "GalleryImageVersion_Create.json",
    status: 201,
    adapt: withoutEncryption,
    settle: true,
    strategy: true,
    allow: {
      "missing:properties.storageProfile.osDiskImage": "live Azure shows the disk images only once replication has finished (recording #45 vs #55)",
      "missing:properties.storageProfile.dataDiskImages": "live Azure shows the disk images only once replication has finished (recording #45 vs #55)",
    },
  },
  { example: "GalleryImageVersion_Create.json", status: 200, adapt: withoutEncryption, settle: true, strategy: true },
  { example: "GalleryImageVersion_Get.json", status: 200, strategy: true },
  { example: "GalleryImageVersion_Get_WithReplicationStatus.json", status: 200, strategy: true },
  {
    example: "GalleryImageVersion_ListByGalleryImage.json",
    status: 200,
    strategy: true,
    allow: { "missing:nextLink": "ARM sends nextLink only when more items remain; the example's list has one item and a nextLink" },
  },
  {
    example: "GalleryImageVersion_Update.json",
    status: 200,
    settle: true,
    strategy: true,
    allow: {
      "missing:properties.publishingProfile.targetRegions[].excludeFromLatest":
        "live Azure leaves a region's excludeFromLatest out unless the request set it (recording #45, #59); this PATCH does not set it",
    },
  },
  {
    example: "Image_Get.json",
    status: 200,
    allow: {
      "missing:properties.storageProfile.osDisk.blobUri": "the example lists all three possible disk sources at once; seeded images are captured from VMs, so their disks are managed disks (recording #43)",
      "missing:properties.storageProfile.osDisk.snapshot": "as blobUri: a snapshot source is not modelled",
      "missing:properties.storageProfile.dataDisks[].blobUri": "as the OS disk's blobUri",
      "missing:properties.storageProfile.dataDisks[].snapshot": "as the OS disk's snapshot",
    },
  },
  { example: "GalleryImageVersion_Delete.json", status: 202, settle: true, headers: ["azure-asyncoperation", "location"] },
  { example: "GalleryImage_Delete.json", status: 202, settle: true, headers: ["azure-asyncoperation", "location"] },
  { example: "Gallery_Delete.json", status: 202, settle: true, headers: ["azure-asyncoperation", "location"] },
  { example: "Images_Delete_MaximumSet_Gen.json", status: 202, headers: ["location"] },
];

const exampleDirs = ["GalleryRP-2025-03-03/examples", "ComputeRP-2025-04-01/examples/imageExamples"];

function readExample(name: string): { parameters: Record<string, unknown>; responses: Record<string, { body?: unknown; headers?: Record<string, string> }> } {
  for (const dir of exampleDirs) {
    try {
      return JSON.parse(readFileSync(join(specDir, dir, name), "utf8")) as ReturnType<typeof readExample>;
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  throw new Error(`no example ${name}`);
}

/** The example's placeholders, replaced by what the seed holds. */
function fill(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value)
      .replace(/\{subscription-id\}|\{subscriptionId\}/g, SUB)
      .replace(/\{resourceGroup\}/g, RG)
      .replace(/\{imageName\}/g, "myImage"),
  );
}

function buildRequest(op: SpecOperation, parameters: Record<string, unknown>, endpoint: string, adapt?: (body: Record<string, unknown>) => void): { url: string; body?: unknown } {
  const params = fill(parameters) as Record<string, unknown>;
  const path = op.pathTemplate.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(String(params[name] ?? `{${name}}`)));
  const url = new URL(path, endpoint);
  url.searchParams.set("api-version", String(params["api-version"] ?? params["version"]));
  let body: unknown;
  for (const p of op.parameters) {
    const name = String(p["name"]);
    if (p["in"] === "query" && name !== "api-version" && params[name] !== undefined) url.searchParams.set(name, String(params[name]));
    if (p["in"] === "body" && params[name] !== undefined) body = params[name];
  }
  if (body !== undefined && adapt !== undefined) adapt(body as Record<string, unknown>);
  return { url: url.toString(), ...(body === undefined ? {} : { body }) };
}

describe("spec examples", () => {
  let emulator: ContractEmulator;
  const spec = loadSpec();

  before(async () => {
    emulator = await startContractEmulator(oneSubscription(SUB, [
      {
        name: RG,
        location: "westus",
        images: [{ name: "myImage", location: "westus", osType: "Windows", hyperVGeneration: "V1", osDiskSizeGB: 20, dataDisks: [{ lun: 1, sizeGB: 10 }], zoneResilient: true }],
      },
      {
        name: "rgcompute",
        location: "westus",
        images: [{ name: "aaaaaaaaaaaaaaaaaaaaaaaaaaa", location: "westus", osType: "Linux", osDiskSizeGB: 30 }],
      },
    ]));
  });
  after(async () => {
    await emulator?.stop();
  });

  for (const testCase of cases) {
    it(`${testCase.example} answers ${testCase.status} with the example's structure`, async () => {
      const op = spec.operations.find((o) => o.examples.includes(testCase.example));
      assert.ok(op, `an operation names ${testCase.example}`);
      const example = readExample(testCase.example);
      const request = buildRequest(op, example.parameters, emulator.endpoint, testCase.adapt);
      const answer: RawAnswer = await rawArm(request.url, { method: op.method, ca: emulator.ca, body: request.body });
      assert.equal(answer.status, testCase.status, `${op.method} ${request.url}: ${answer.text.slice(0, 400)}`);
      for (const name of testCase.headers ?? []) assert.ok(answer.headers[name], `${name} header, as in the example`);

      const expected = example.responses[String(testCase.status)]?.body;
      if (expected !== undefined) {
        const allow = { ...commonAllowances, ...(testCase.strategy ? strategyInsteadOfType : {}), ...testCase.allow };
        if (testCase.strategy) {
          const strategies = valuesAt(answer.json, "properties.publishingProfile.storageAccountStrategy").concat(valuesAt(answer.json, "value[].properties.publishingProfile.storageAccountStrategy"));
          assert.deepEqual(strategies, ["PreferStandard_ZRS"], "the 2025-03-03 storage default");
        }
        // Extra keys are judged against the spec below: the examples are often partial (no `type`).
        const differences = unexplained(compareShape(fill(expected), answer.json), allow).filter((d) => d.kind !== "extra");
        assert.deepEqual(differences, [], "the example's keys are all in the answer");
        const ref = op.responses[String(testCase.status)]?.schemaRef;
        assert.ok(ref, `the spec has a schema for ${op.operationId} ${testCase.status}`);
        const validate = spec.validator(ref);
        assert.ok(validate(answer.json), `validates against ${ref}: ${JSON.stringify(validate.errors)}`);
        const undeclared = undeclaredKeys(spec, ref, answer.json).filter((p) => !/\.validationsProfile\.validationOperationStatus$/.test(p));
        assert.deepEqual(undeclared, [], "no field the spec does not declare (validationOperationStatus is live Azure's, FACTS.md §1.3)");
      } else if (answer.text !== "") {
        assert.fail(`the example has no body for ${testCase.status}, the emulator sent ${answer.text.slice(0, 200)}`);
      }

      if (testCase.settle) {
        const operation = answer.headers["azure-asyncoperation"];
        assert.ok(operation, "an Azure-AsyncOperation URL to wait on");
        const polls = await pollOperation(operation, emulator.ca);
        assert.equal((polls.at(-1)?.json as { status?: string } | undefined)?.status, "Succeeded");
      }
    });
  }
});
