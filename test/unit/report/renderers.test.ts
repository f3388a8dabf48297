import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildReport } from "../../../src/report/build-report.js";
import { renderJson } from "../../../src/report/render-json.js";
import { escapeXml, renderJunit } from "../../../src/report/render-junit.js";
import { escapeMarkdown, renderMarkdown } from "../../../src/report/render-markdown.js";
import { renderTable } from "../../../src/report/render-table.js";
import type { Report } from "../../../src/report/types.js";
import { stateDoc, stateItem } from "./fixtures.js";

const NOW = new Date("2026-03-01T11:00:00.000Z");

function small(): Report {
  return buildReport(
    stateDoc([
      stateItem("web", "web", "1.0.0", "done", {
        action: "create",
        startedAt: "2026-03-01T10:00:00.000Z",
        finishedAt: "2026-03-01T10:00:45.000Z",
        regions: [{ region: "westeurope", state: "Completed", progress: 100 }],
      }),
      stateItem("win", "win", "1.0.0", "failed", { action: "create-version", lastError: { code: "Conflict", message: "generation mismatch", transient: false, remedy: "use a V2 definition" } }),
    ]),
    { statePath: "m.state.json", now: NOW },
  );
}

/** The report of one failed item whose message holds everything that could break a format. */
function hostile(): Report {
  return buildReport(
    stateDoc([
      stateItem("a|b<c>", "def", "1.0.0", "failed", {
        lastError: { code: "Bad&Code", message: 'line one | `tick` <script>alert("x")</script> & \'q\'\nline two *bold* [link](http://x) \u0007bell', transient: true, remedy: "do <this> & that" },
      }),
    ]),
    { now: NOW },
  );
}

/** A minimal well-formedness check: balanced tags, no raw `<` or bare `&` in text or attributes. */
function assertWellFormedXml(xml: string): void {
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'));
  const body = xml.slice(xml.indexOf("\n") + 1);
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = token.exec(body)) !== null) {
    consumed = token.lastIndex;
    const [, closing, name, attrs, selfClosing, text] = match;
    const content = text ?? attrs ?? "";
    assert.doesNotMatch(content, /&(?!(amp|lt|gt|quot|apos|#\d+);)/, `bare & in ${content}`);
    assert.doesNotMatch(content, /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/, "control character");
    if (text !== undefined) continue;
    if (closing) assert.equal(stack.pop(), name, `unbalanced </${name}>`);
    else if (!selfClosing) stack.push(name!);
  }
  assert.equal(consumed, body.length, `unparseable XML at ${body.slice(consumed, consumed + 40)}`);
  assert.deepEqual(stack, []);
}

describe("renderTable", () => {
  it("prints one row per item and the counts, within 120 columns", () => {
    const text = renderTable(small());
    assert.equal(
      text,
      [
        "┌──────────────────────┬──────────────────────────┬───────────┬────────────────┬─────────┬─────────────────────────────┐",
        "│ Image                │ Definition/version       │ Status    │ Action         │ Regions │ Error or remedy             │",
        "├──────────────────────┼──────────────────────────┼───────────┼────────────────┼─────────┼─────────────────────────────┤",
        "│ web                  │ web/1.0.0                │ done      │ create         │ 1/1     │                             │",
        "├──────────────────────┼──────────────────────────┼───────────┼────────────────┼─────────┼─────────────────────────────┤",
        "│ win                  │ win/1.0.0                │ failed    │ create-version │ -       │ Conflict: use a V2          │",
        "│                      │                          │           │                │         │ definition                  │",
        "└──────────────────────┴──────────────────────────┴───────────┴────────────────┴─────────┴─────────────────────────────┘",
        "2 items: 1 done, 1 failed, 0 blocked, 0 in flight, 0 pending",
        "slowest finished item took 45s",
        "",
      ].join("\n"),
    );
  });

  it("keeps long names and messages readable in 120 columns", () => {
    const long = hostile();
    long.items[0]!.definition = "windows-server-2019-datacenter-gen1-with-a-very-long-name";
    long.items[0]!.error!.remedy = "x ".repeat(300);
    for (const line of renderTable(long).split("\n")) assert.ok(line.length <= 120, `${line.length}: ${line}`);
  });

  it("prints only the counts when there are no items", () => {
    assert.equal(renderTable(buildReport(stateDoc([]), { now: NOW })), "0 items: 0 done, 0 failed, 0 blocked, 0 in flight, 0 pending\n");
  });
});

describe("renderJson", () => {
  it("is the report itself, indented and newline-terminated", () => {
    const report = small();
    const text = renderJson(report);
    assert.ok(text.endsWith("}\n"));
    assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(report)));
  });
});

describe("renderMarkdown", () => {
  it("has a heading, the counts, a table and the failed items in full", () => {
    assert.equal(
      renderMarkdown(small()),
      [
        "# acg-migrate report",
        "",
        "- Plan: migrations.yaml",
        "- State: m.state.json",
        "- ARM endpoint: https://127.0.0.1:8443",
        "- Generated: 2026-03-01T11:00:00.000Z",
        "",
        "**2 items: 1 done, 1 failed, 0 blocked, 0 in flight, 0 pending**",
        "",
        "| Image | Gallery | Definition | Version | Status | Action | Regions | Attempts | Duration |",
        "|---|---|---|---|---|---|---|---:|---:|",
        "| web | corpGallery | web | 1.0.0 | done | create | 1/1 | 1 | 45s |",
        "| win | corpGallery | win | 1.0.0 | failed | create-version | - | 1 | - |",
        "",
        "## Failed and blocked",
        "",
        "### win → corpGallery/win/1.0.0 (failed)",
        "",
        "- Error: Conflict: generation mismatch",
        "- Remedy: use a V2 definition",
        "- Next run: skips it unless the plan entry changes or --retry-failed is given",
        "- Source: /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-images/providers/Microsoft.Compute/images/win",
        "- Target: /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-gallery/providers/Microsoft.Compute/galleries/corpGallery/images/win/versions/1.0.0",
        "",
      ].join("\n"),
    );
  });

  it("escapes table pipes, markup, HTML and line breaks from messages", () => {
    assert.equal(escapeMarkdown("a|b `c` *d* _e_ [f](g) <h> & i\\j\nk"), "a\\|b \\`c\\` \\*d\\* \\_e\\_ \\[f\\](g) &lt;h&gt; &amp; i\\\\j<br>k");
    const md = renderMarkdown(hostile());
    const row = md.split("\n").find((l) => l.startsWith("| a"));
    assert.equal(row, "| a\\|b&lt;c&gt; | corpGallery | def | 1.0.0 | failed | - | - | 1 | - |");
    assert.equal(row?.split(/(?<!\\)\|/).length, 11, "the escaped pipe does not add a column");
    assert.ok(md.includes("- Error: Bad&amp;Code: line one \\| \\`tick\\` &lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; 'q'<br>line two \\*bold\\* \\[link\\](http://x)"));
    assert.ok(md.includes("- Next run: retries it (the failure was transient)"));
    assert.doesNotMatch(md, /<script/);
  });
});

describe("renderJunit", () => {
  it("makes done items pass, failed and blocked ones failures, and pending or in-flight ones skipped", () => {
    const report = buildReport(
      stateDoc([
        stateItem("web", "web", "1.0.0", "done", { startedAt: "2026-03-01T10:00:00.000Z", finishedAt: "2026-03-01T10:00:45.500Z" }),
        stateItem("win", "win", "1.0.0", "failed", { lastError: { code: "Conflict", message: "generation mismatch", transient: false, remedy: "use a V2 definition" } }),
        stateItem("old", "old", "1.0.0", "blocked", { lastError: { code: "conflict", message: "another source", transient: false } }),
        stateItem("db", "db", "1.0.0", "pending"),
        stateItem("ap", "ap", "1.0.0", "verifying"),
      ]),
      { now: NOW },
    );
    const xml = renderJunit(report);
    assertWellFormedXml(xml);
    const lines = xml.split("\n");
    assert.equal(lines[1], '<testsuites name="acg-migrate" tests="5" failures="2" errors="0" skipped="2" time="45.500">');
    assert.ok(lines.includes('    <testcase classname="corpGallery.web" name="web → 1.0.0" time="45.500"/>'));
    assert.ok(xml.includes('<failure type="Conflict" message="generation mismatch">generation mismatch\nRemedy: use a V2 definition\nSource: '));
    assert.ok(xml.includes('<failure type="blocked: conflict" message="another source">another source\nSource: '));
    assert.ok(xml.includes('<skipped message="pending: not started yet"/>'));
    assert.ok(xml.includes('<skipped message="in flight (verifying): not finished yet"/>'));
    assert.equal((xml.match(/<testcase /g) ?? []).length, 5);
  });

  it("escapes markup, quotes and characters XML cannot hold", () => {
    assert.equal(escapeXml(`<a href="x">&'\u0001\uD800`), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
    assert.equal(escapeXml("ok \u{1F600}"), "ok \u{1F600}", "a surrogate pair is kept");
    const xml = renderJunit(hostile());
    assertWellFormedXml(xml);
    assert.ok(xml.includes('name="a|b&lt;c&gt; → 1.0.0"'));
    assert.ok(xml.includes('type="Bad&amp;Code"'));
    assert.ok(xml.includes("message=\"line one | `tick` &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;q&apos;&#10;line two"));
    assert.ok(xml.includes("Remedy: do &lt;this&gt; &amp; that"));
    assert.ok(!xml.includes("\u0007"));
  });
});
