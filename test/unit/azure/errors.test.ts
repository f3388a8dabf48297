import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RestError, createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { AzureError, isSourceBusy, isThrottled, remedyFor, toAzureError } from "../../../src/azure/errors.js";

function restError(status: number, body: unknown, headers: Record<string, string> = {}): RestError {
  const request = createPipelineRequest({ url: "https://127.0.0.1/x" });
  const text = JSON.stringify(body);
  return new RestError(`status ${status}`, {
    statusCode: status,
    code: (body as { error?: { code?: string } }).error?.code,
    request,
    response: { status, headers: createHttpHeaders(headers), request, bodyAsText: text },
  });
}

describe("toAzureError", () => {
  it("keeps the service's code and message and reads retry-after-ms first", () => {
    const e = toAzureError(
      restError(429, { error: { code: "OperationNotAllowed", message: "too many", details: [{ code: "TooManyRequests" }] } }, { "retry-after-ms": "250", "retry-after": "3" }),
    );
    assert.ok(e instanceof AzureError);
    assert.equal(e.code, "OperationNotAllowed");
    assert.equal(e.statusCode, 429);
    assert.equal(e.transient, true);
    assert.equal(e.retryAfterMs, 250);
    assert.equal(isThrottled(e), true);
  });

  it("classifies 5xx and resets as transient, 4xx rule violations as not", () => {
    assert.equal((toAzureError(restError(503, { error: { code: "ServiceUnavailable", message: "x" } })) as AzureError).transient, true);
    assert.equal((toAzureError(restError(400, { error: { code: "InvalidParameter", message: "x" } })) as AzureError).transient, false);
    const reset = new RestError("socket hang up", { code: "ECONNRESET" });
    const e = toAzureError(reset) as AzureError;
    assert.equal(e.transient, true);
    assert.equal(e.statusCode, undefined);
  });

  it("recognises a failed long-running operation and the service's code in it", () => {
    const e = toAzureError(new Error("The long-running operation has failed. Conflict. The resource with id 'x' has a different Hypervisor generation ['V2'] than the parent gallery image Hypervisor generation ['V1'].")) as AzureError;
    assert.equal(e.code, "Conflict");
    assert.equal(e.operationFailed, true);
    assert.equal(e.transient, false);
    assert.match(remedyFor(e) ?? "", /Hyper-V generation/);
  });

  it("knows the busy-source refusal", () => {
    const e = toAzureError(restError(409, { error: { code: "OperationNotAllowed", message: "Too many requests on source '/subscriptions/s/x'. Please reduce…" } })) as AzureError;
    assert.equal(isSourceBusy(e), true);
  });
});

describe("remedyFor", () => {
  it("names the role for a 403 and the lock for ScopeLocked", () => {
    const forbidden = toAzureError(restError(403, { error: { code: "AuthorizationFailed", message: "no" } })) as AzureError;
    assert.match(remedyFor(forbidden) ?? "", /Reader on the source managed image.*Contributor/);
    const locked = toAzureError(
      restError(409, { error: { code: "ScopeLocked", message: "The scope '/subscriptions/s/resourceGroups/rg' cannot perform write operation because following scope(s) are locked: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Authorization/locks/keep'." } }),
    ) as AzureError;
    assert.match(remedyFor(locked) ?? "", /lock/);
  });

  it("names the role a 403 shows missing on the scope ARM names, and every locked scope", () => {
    const refused = (action: string, scope: string): AzureError =>
      toAzureError(restError(403, { error: { code: "AuthorizationFailed", message: `The client 'c' with object id 'o' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid.` } })) as AzureError;
    const gallery = "/subscriptions/s/resourceGroups/rg-g/providers/Microsoft.Compute/galleries/g";
    assert.equal(
      remedyFor(refused("Microsoft.Compute/galleries/images/versions/write", `${gallery}/images/d/versions/1.0.0`)),
      `grant the identity Contributor or Compute Gallery Artifacts Publisher on ${gallery}/images/d/versions/1.0.0, then re-run`,
    );
    // Creating the gallery: the role must be on its resource group, where it does not exist yet.
    assert.match(remedyFor(refused("Microsoft.Compute/galleries/write", gallery)) ?? "", /Artifacts Publisher on \/subscriptions\/s\/resourceGroups\/rg-g \(the gallery's resource group\)/);
    assert.match(remedyFor(refused("Microsoft.Compute/images/read", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/i")) ?? "", /^grant the identity Reader on \/subscriptions\/s\/resourceGroups\/rg\/providers\/Microsoft\.Compute\/images\/i /);
    assert.match(remedyFor(refused("Microsoft.Compute/images/delete", "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/i")) ?? "", /Contributor on .*images\/i .*to delete it/);

    const linked = toAzureError(
      restError(403, { error: { code: "LinkedAuthorizationFailed", message: `The client 'c' with object id 'o' has permission to perform action 'Microsoft.Compute/galleries/images/versions/write' on scope '${gallery}/images/d/versions/1.0.0'; however, it does not have permission to perform action(s) 'Microsoft.Compute/images/read' on the linked scope(s) '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/i' (respectively) or the linked scope(s) are invalid.` } }),
    ) as AzureError;
    assert.match(remedyFor(linked) ?? "", /^grant the identity Reader on \/subscriptions\/s\/resourceGroups\/rg\/providers\/Microsoft\.Compute\/images\/i /);

    const locked = toAzureError(
      restError(409, { error: { code: "ScopeLocked", message: "The scope '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/i' cannot perform delete operation because following scope(s) are locked: '/subscriptions/s/resourceGroups/rg', '/subscriptions/s'. Please remove the lock and try again." } }),
    ) as AzureError;
    assert.match(remedyFor(locked) ?? "", /^remove the lock on \/subscriptions\/s\/resourceGroups\/rg, \/subscriptions\/s \(CanNotDelete and ReadOnly locks refuse deletes\)/);
  });
});
