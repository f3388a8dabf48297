import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultStatePath } from "../../../src/plan/paths.js";
import { regionDisplayName, resolveRegion, suggestRegion } from "../../../src/plan/regions.js";
import { closest, editDistance } from "../../../src/plan/suggest.js";

describe("resolveRegion", () => {
  it("accepts the short and the display name alike", () => {
    const expected = { name: "westeurope", displayName: "West Europe" };
    assert.deepEqual(resolveRegion("westeurope"), expected);
    assert.deepEqual(resolveRegion("West Europe"), expected);
    assert.deepEqual(resolveRegion("WESTEUROPE"), expected);
  });

  it("knows extra regions only when the plan names them", () => {
    assert.equal(resolveRegion("taiwannorth"), undefined);
    assert.deepEqual(resolveRegion("Taiwan North", [{ name: "taiwannorth", displayName: "Taiwan North" }]), {
      name: "taiwannorth",
      displayName: "Taiwan North",
    });
  });
});

describe("suggestRegion", () => {
  it("suggests the region a typo most likely meant, and nothing for a name far from all", () => {
    assert.equal(suggestRegion("westeurop"), "westeurope");
    assert.equal(suggestRegion("West-Europe"), "westeurope");
    assert.equal(suggestRegion("Sweden Centrl"), "swedencentral");
    assert.equal(suggestRegion("marsnorth"), undefined);
  });
});

describe("regionDisplayName", () => {
  it("gives the display name the service echoes, or the name itself when unknown", () => {
    assert.equal(regionDisplayName("eastus2"), "East US 2");
    assert.equal(regionDisplayName("nowhere"), "nowhere");
  });
});

describe("defaultStatePath", () => {
  it("replaces the plan's extension with .state.json", () => {
    assert.equal(defaultStatePath("migrations.yaml"), "migrations.state.json");
    assert.equal(defaultStatePath("plans/prod.yml"), "plans/prod.state.json");
    assert.equal(defaultStatePath("/abs/plan.v2.yaml"), "/abs/plan.v2.state.json");
    assert.equal(defaultStatePath("noext"), "noext.state.json");
    assert.equal(defaultStatePath("./here.yaml"), "here.state.json");
  });
});

describe("closest", () => {
  it("measures edits and ignores case when suggesting", () => {
    assert.equal(editDistance("sourc", "source"), 1);
    assert.equal(closest("SOURC", ["source", "version"]), "source");
    assert.equal(closest("zzzzzz", ["source", "version"]), undefined);
  });
});
