/**
 * Long-running operations as the live service runs them (FACTS.md §2.2, the recording):
 * create → 201 + `Azure-AsyncOperation` (no `Location`, no `Retry-After`), update → 200 + the same,
 * delete → 202 + `Azure-AsyncOperation` + `Location` (`monitor=true`); the status URL always
 * answers 200 `{startTime, endTime?, status, name, error?}`.
 */
import { createHash } from "node:crypto";
import type { Reply, RequestContext } from "./resources/context.js";
import { armTime } from "./resources/context.js";
import { ArmError } from "./rules.js";
import type { OperationRecord } from "./store.js";

/** The status URL of an operation; `monitor` gives the delete's `Location` variant. */
export function operationUrl(endpoint: string, op: OperationRecord, monitor = false): string {
  const kind = op.family === "caps" ? "capsOperations" : "operations";
  const url = new URL(`/subscriptions/${op.subscriptionId}/providers/Microsoft.Compute/locations/${op.location}/${kind}/${op.name}`, endpoint);
  if (monitor) url.searchParams.set("monitor", "true");
  url.searchParams.set("api-version", op.apiVersion);
  // The live URLs carry signature parameters that make them 3-4 KB long; clients must keep them intact.
  url.searchParams.set("t", String(op.startTime * 10_000 + 621_355_968_000_000_000));
  url.searchParams.set("c", SIGNATURE_BLOB);
  url.searchParams.set("s", createHash("sha256").update(op.name).digest("base64url"));
  url.searchParams.set("h", createHash("sha256").update(`${op.name}:h`).digest("base64url").slice(0, 43));
  return url.toString();
}

const SIGNATURE_BLOB = createHash("sha512").update("acg-migrate emulator").digest("base64").repeat(20);

/** Headers of the initial answer of an LRO. */
export function lroHeaders(endpoint: string, op: OperationRecord): Record<string, string> {
  const headers: Record<string, string> = {
    "azure-asyncoperation": operationUrl(endpoint, op),
    "azure-asyncnotification": "Enabled",
  };
  if (op.action === "delete") headers["location"] = operationUrl(endpoint, op, true);
  return headers;
}

/** The status body at simulated `now`. */
export function operationStatusBody(op: OperationRecord, now: number): Record<string, unknown> {
  const finished = op.done || op.endTime <= now;
  const body: Record<string, unknown> = { startTime: armTime(op.startTime) };
  if (finished) body["endTime"] = armTime(op.endTime);
  body["status"] = finished ? op.outcome : "InProgress";
  body["name"] = op.name;
  if (finished && op.outcome !== "Succeeded" && op.error) body["error"] = { ...op.error };
  return body;
}

/** Answers `GET …/locations/{loc}/capsOperations/{id}` (or `operations/{id}`). */
export function getOperation(ctx: RequestContext, family: OperationRecord["family"], location: string, name: string): Reply {
  const op = ctx.store.operations.get(name.toLowerCase()) ?? ctx.store.operations.get(name);
  if (!op || op.family !== family || op.location !== location.toLowerCase() || op.subscriptionId.toLowerCase() !== subscriptionOf(ctx).toLowerCase()) {
    throw new ArmError(404, "OperationNotFound", `The operation '${name}' could not be found.`);
  }
  const finished = op.done || op.endTime <= ctx.now;
  if (ctx.url.searchParams.get("monitor") === "true") {
    // The Location variant: 202 while running, then what the operation would have answered synchronously.
    if (!finished) return { status: 202, headers: { location: operationUrl(ctx.endpoint, op, true) } };
    if (op.outcome === "Succeeded") return { status: 200 };
    const error = op.error ?? { code: "InternalServerError", message: "The operation failed." };
    return { status: 400, body: { error } };
  }
  return { status: 200, body: operationStatusBody(op, ctx.now) };
}

function subscriptionOf(ctx: RequestContext): string {
  return ctx.url.pathname.split("/")[2] ?? "";
}
