import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  UniqueNames,
  compareVersionedNames,
  isValidDefinitionName,
  isValidIdentifier,
  splitVersionSuffix,
  toDefinitionName,
  toIdentifier,
} from "../../../src/discover/naming.js";

describe("definition names", () => {
  it("keeps valid managed image names as they are", () => {
    assert.equal(toDefinitionName("web-2024.01_x1"), "web-2024.01_x1");
  });
  it("drops the trailing underscore a managed image may have but a definition may not", () => {
    assert.equal(toDefinitionName("build_"), "build");
    assert.ok(isValidDefinitionName(toDefinitionName("build_")));
  });
  it("shortens to 80 characters and keeps alphanumeric ends", () => {
    const name = toDefinitionName(`${"a".repeat(79)}-b`);
    assert.equal(name.length, 79);
    assert.ok(isValidDefinitionName(name));
  });
  it("falls back to a placeholder when nothing usable is left", () => {
    assert.equal(toDefinitionName("___"), "image");
  });
});

describe("offers and skus", () => {
  it("replaces characters the service refuses and never ends with a period", () => {
    const offer = toIdentifier("rg (prod).");
    assert.equal(offer, "rg-prod");
    assert.ok(isValidIdentifier(offer, 64));
  });
  it("cuts to 64 characters", () => {
    assert.equal(toIdentifier("x".repeat(100)).length, 64);
  });
});

describe("unique names", () => {
  it("appends -2, -3 case-insensitively and stays within the limit", () => {
    const names = new UniqueNames(10, ["Web"]);
    assert.equal(names.claim("web"), "web-2");
    assert.equal(names.claim("web"), "web-3");
    assert.equal(names.claim("abcdefghij"), "abcdefghij");
    assert.equal(names.claim("abcdefghij"), "abcdefgh-2");
  });
});

describe("version-like suffixes", () => {
  it("recognises dates, v-numbers and compact dates", () => {
    assert.deepEqual(splitVersionSuffix("web-2024-01"), { stem: "web", suffix: "2024-01", numbers: [2024, 1] });
    assert.deepEqual(splitVersionSuffix("app-v3"), { stem: "app", suffix: "v3", numbers: [3] });
    assert.deepEqual(splitVersionSuffix("base-20240101"), { stem: "base", suffix: "20240101", numbers: [20240101] });
    assert.equal(splitVersionSuffix("ubuntu2204")?.stem, undefined);
    assert.equal(splitVersionSuffix("2024-01"), undefined);
  });
  it("orders numerically within a family", () => {
    const sorted = ["app-v10", "app-v9", "app-v3"].sort(compareVersionedNames);
    assert.deepEqual(sorted, ["app-v3", "app-v9", "app-v10"]);
  });
});
