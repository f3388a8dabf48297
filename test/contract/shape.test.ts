import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compareShape, unexplained, valuesAt } from "./shape.js";
import { loadSpec, undeclaredKeys } from "./swagger-schema.js";

// The contract tests are only as strict as these helpers: they must see a missing or an extra
// field, and the converted spec must reject what the Swagger rejects.
describe("contract helpers", () => {
  it("reports missing, extra and mistyped fields, arrays element by element", () => {
    const expected = { a: 1, b: { c: [{ d: 1 }, { d: 2 }] }, e: "x" };
    const actual = { a: 1, b: { c: [{ d: 1 }, {}] }, e: 5, f: true };
    assert.deepEqual(compareShape(expected, actual), [
      { path: "b.c[].d", kind: "missing" },
      { path: "e", kind: "type", detail: "string expected, number found" },
      { path: "f", kind: "extra" },
    ]);
    assert.deepEqual(unexplained(compareShape(expected, actual), { "missing:b.c[].d": "why", "*:e": "why" }), [{ path: "f", kind: "extra" }]);
    assert.deepEqual(valuesAt({ r: [{ n: "A" }, { n: "B" }] }, "r[].n"), ["A", "B"]);
  });

  it("validates against the converted spec and finds undeclared fields", () => {
    const spec = loadSpec();
    const ref = "spec:GalleryRP.json#/definitions/GalleryImage";
    const validate = spec.validator(ref);
    const good = { location: "westus", properties: { osType: "Linux", osState: "Generalized", identifier: { publisher: "p", offer: "o", sku: "s" } } };
    assert.ok(validate(good), JSON.stringify(validate.errors));
    assert.equal(validate({ ...good, properties: { ...good.properties, osType: "Mac" } }), false);
    assert.equal(validate({ ...good, properties: { ...good.properties, identifier: { publisher: "p" } } }), false);
    // An extensible enum (x-ms-enum modelAsString) accepts new values.
    assert.ok(validate({ ...good, properties: { ...good.properties, architecture: "RiscV" } }));
    assert.deepEqual(undeclaredKeys(spec, ref, { ...good, bogus: 1, properties: { ...good.properties, nope: {} } }).sort(), ["$.bogus", "$.properties.nope"]);
    // Inherited (allOf) fields are declared.
    assert.deepEqual(undeclaredKeys(spec, ref, { ...good, id: "x", name: "n", type: "t", tags: {}, systemData: {} }), []);
  });
});
