import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planSchema } from "../../../src/plan/schema-check.js";

type Node = Record<string, unknown>;
const definitions = planSchema.definitions as Record<string, Node>;

function deref(node: Node): Node {
  const ref = node["$ref"];
  return typeof ref === "string" ? definitions[ref.replace("#/definitions/", "")]! : node;
}

/** Every schema object reachable from the root, with the path it was reached by. */
function* walk(node: Node, path: string, seen = new Set<Node>()): Generator<[string, Node]> {
  if (seen.has(node)) return;
  seen.add(node);
  yield [path, node];
  const target = deref(node);
  if (target !== node) yield* walk(target, path, seen);
  for (const key of ["items", "additionalProperties", "then", "else"]) {
    const child = node[key];
    if (child && typeof child === "object") yield* walk(child as Node, `${path}/${key}`, seen);
  }
  for (const [name, child] of Object.entries((node["properties"] as Record<string, Node> | undefined) ?? {})) {
    yield* walk(child, `${path}.${name}`, seen);
  }
}

describe("plan.schema.json", () => {
  it("names itself, so editors can refer to it", () => {
    const root = planSchema as unknown as Node;
    assert.equal(root["$schema"], "http://json-schema.org/draft-07/schema#");
    assert.match(String(root["$id"]), /plan\.schema\.json$/);
    assert.equal(typeof root["title"], "string");
  });

  it("describes every field, for editor tooltips", () => {
    const undocumented: string[] = [];
    for (const [path, node] of walk(planSchema as unknown as Node, "$")) {
      if (path.endsWith("/then") || path.endsWith("/else")) continue; // branches of a described node
      if (typeof node["description"] !== "string" && typeof deref(node)["description"] !== "string") undocumented.push(path);
    }
    assert.deepEqual(undocumented, []);
  });

  it("refuses unknown fields in every mapping", () => {
    const open: string[] = [];
    for (const [path, node] of walk(planSchema as unknown as Node, "$")) {
      if (node["properties"] !== undefined && node["additionalProperties"] !== false) open.push(path);
    }
    assert.deepEqual(open, []);
  });
});
