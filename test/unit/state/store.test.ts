import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { appendFile, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { InputError } from "../../../src/errors.js";
import { StateStore, readState } from "../../../src/state/store.js";
import type { ItemState, StateDocument } from "../../../src/state/types.js";

const CHILD = fileURLToPath(new URL("./store-child.js", import.meta.url));
const ENDPOINT = "https://127.0.0.1:8443";

function item(key: string, attempts = 1, extra: Partial<ItemState> = {}): ItemState {
  return {
    key,
    fingerprint: "fp",
    status: "pending",
    attempts,
    updatedAt: "2026-01-01T00:00:00.000Z",
    sourceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/img",
    definitionId: `${key}-def`,
    versionId: key,
    galleryId: "g",
    ...extra,
  };
}

let root: string;
let counter = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), "acg-state-"));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});
function freshPath(): string {
  counter++;
  return join(root, `case-${counter}`, "migrations.state.json");
}

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

/** Starts the helper process and waits for its `ready` line. */
async function startChild(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; lines: string[]; ready: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [CHILD, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  const lines: string[] = [];
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const ready = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.on("line", (line) => {
      if (line.startsWith("ready")) resolve(line);
      else lines.push(line);
    });
    void exited.then((code) => reject(new Error(`child exited ${code} before ready: ${stderr}`)));
  });
  return { child, lines, ready, exited };
}

describe("StateStore", () => {
  it("round-trips items through close and reopen, and readState sees the same document", async () => {
    const path = freshPath();
    const store = await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "migrations.yaml" });
    await store.put(item("a"));
    await store.put(item("b", 2, { status: "failed", lastError: { code: "Conflict", message: "no", transient: false, remedy: "fix it" } }));
    await store.remove("a");
    await store.put(item("c", 3, { regions: [{ region: "westeurope", state: "Completed", progress: 100 }] }));
    await store.close();
    await store.close(); // idempotent

    const read = await readState(path);
    assert.ok(read);
    assert.equal(read.armEndpoint, ENDPOINT);
    assert.equal(read.plan, "migrations.yaml");
    assert.deepEqual(Object.keys(read.items), ["b", "c"]);
    assert.deepEqual(read.items["b"], item("b", 2, { status: "failed", lastError: { code: "Conflict", message: "no", transient: false, remedy: "fix it" } }));
    const files = await readdir(join(path, ".."));
    assert.deepEqual(files.sort(), ["migrations.state.json"], "close leaves only the document: no lock, journal or temporary");

    const again = await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "other.yaml" });
    assert.deepEqual(again.document.items, read.items);
    assert.equal(again.document.plan, "migrations.yaml", "the plan recorded at creation is kept");
    await again.close();
  });

  it("returns undefined from readState when there is no state file", async () => {
    assert.equal(await readState(freshPath()), undefined);
  });

  it("replays the journal after an exit without checkpoint, ignoring a torn last line", async () => {
    const path = freshPath();
    const store = await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" });
    await store.put(item("a"));
    await store.patch("a", { status: "in-flight", poller: "{\"p\":1}" });
    await store.put(item("b"));
    store.abandon();
    const onDisk = JSON.parse(await readFile(path, "utf8")) as StateDocument;
    assert.deepEqual(onDisk.items, {}, "nothing was checkpointed: only the journal has the writes");
    await appendFile(`${path}.journal`, '{"op":"put","at":"2026-01-01T00:00:00Z","item":{"key":"torn","fing');

    const read = await readState(path);
    assert.deepEqual(Object.keys(read?.items ?? {}), ["a", "b"]);
    assert.equal(read?.items["a"]?.status, "in-flight");
    assert.equal(read?.items["a"]?.poller, '{"p":1}');

    const reopened = await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" });
    assert.equal(await readFile(`${path}.journal`, "utf8"), "", "opening folds the journal, dropping the torn line");
    await reopened.put(item("c"));
    reopened.abandon();
    assert.deepEqual(Object.keys((await readState(path))?.items ?? {}), ["a", "b", "c"]);
  });

  it("treats a damaged line in the middle of the journal as a damaged state", async () => {
    const path = freshPath();
    const store = await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" });
    await store.put(item("a"));
    store.abandon();
    await writeFile(`${path}.journal`, `garbage\n${JSON.stringify({ op: "put", at: "x", item: item("b") })}\n`);
    await assert.rejects(readState(path), (error: unknown) => error instanceof InputError && /journal .* damaged at line 1/.test(error.message));
  });

  it("survives the two crash windows of a checkpoint: a leftover temporary, and a journal already folded in", async () => {
    const path = freshPath();
    const store = await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" });
    await store.put(item("a", 1));
    await store.put(item("a", 2));
    await store.checkpoint();
    store.abandon();
    // Crash after the rename but before the truncate: the journal repeats what the document has.
    await writeFile(`${path}.journal`, [item("a", 1), item("a", 2)].map((i) => JSON.stringify({ op: "put", at: "2026-01-01T00:00:00Z", item: i })).join("\n") + "\n");
    // Crash before the rename: a half-written temporary beside the document.
    await writeFile(`${path}.4242.tmp`, '{"schemaVersion": 1, "arm');
    assert.equal((await readState(path))?.items["a"]?.attempts, 2);
    const reopened = await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" });
    assert.equal(reopened.get("a")?.attempts, 2);
    await reopened.close();
    assert.deepEqual(await readdir(join(path, "..")), ["migrations.state.json"]);
  });

  it("creates the document, journal and lock private (0600)", async () => {
    const path = freshPath();
    const store = await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" });
    await store.put(item("a"));
    assert.equal(await modeOf(path), 0o600);
    assert.equal(await modeOf(`${path}.journal`), 0o600);
    assert.equal(await modeOf(`${path}.lock`), 0o600);
    await store.checkpoint();
    assert.equal(await modeOf(path), 0o600, "a checkpoint's new document is private too");
    await store.close();
  });

  it("checkpoints on its own every N journal lines", async () => {
    const path = freshPath();
    const store = await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml", checkpointEvery: 5 });
    for (let i = 0; i < 4; i++) await store.put(item(`k${i}`));
    assert.equal((await readFile(`${path}.journal`, "utf8")).split("\n").filter(Boolean).length, 4);
    await store.put(item("k4"));
    assert.equal(await readFile(`${path}.journal`, "utf8"), "");
    assert.equal(Object.keys((JSON.parse(await readFile(path, "utf8")) as StateDocument).items).length, 5);
    await store.close();
  });

  it("serializes concurrent writes in call order, and patch merges and stamps updatedAt", async () => {
    const path = freshPath();
    let tick = 0;
    const now = (): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++));
    const store = await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml", now });
    await store.put(item("a", 0, { poller: "x" }));
    const writes: Promise<unknown>[] = [];
    for (let i = 1; i <= 50; i++) writes.push(store.patch("a", { attempts: i }));
    writes.push(store.patch("a", { status: "done", poller: undefined }));
    await Promise.all(writes);
    const a = store.get("a");
    assert.equal(a?.attempts, 50);
    assert.equal(a?.status, "done");
    assert.equal("poller" in (a ?? {}), false, "patching a field to undefined removes it");
    assert.ok((a?.updatedAt ?? "") > "2026-01-01T00:00:01.000Z");
    const journal = (await readFile(`${path}.journal`, "utf8")).split("\n").filter(Boolean).map((l) => JSON.parse(l) as { item: ItemState });
    assert.deepEqual(journal.slice(1, 51).map((e) => e.item.attempts), Array.from({ length: 50 }, (_, i) => i + 1));
    await assert.rejects(store.patch("missing", { attempts: 1 }), /no item missing/);
    await store.close();
    await assert.rejects(store.put(item("late")), /closed/);
  });

  it("stores what JSON can hold: nested undefined fields vanish instead of failing validation", async () => {
    const path = freshPath();
    const store = await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" });
    await store.put(item("a", 1, { status: "failed", lastError: { code: "Timeout", message: "slow", statusCode: undefined, transient: true, remedy: undefined } }));
    assert.deepEqual(store.get("a")?.lastError, { code: "Timeout", message: "slow", transient: true });
    store.abandon();
    await store.close(); // after abandon: nothing more to do, and no error
    assert.deepEqual((await readState(path))?.items["a"]?.lastError, { code: "Timeout", message: "slow", transient: true });
  });

  it("hands out frozen records, so nothing changes the view without going through the journal", async () => {
    const path = freshPath();
    const store = await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" });
    const original = item("a", 1, { regions: [{ region: "westeurope", state: "Replicating" }] });
    await store.put(original);
    original.attempts = 99; // the caller's own object stays the caller's
    const record = store.get("a")!;
    assert.equal(record.attempts, 1);
    assert.throws(() => {
      record.status = "done";
    }, TypeError);
    assert.throws(() => {
      record.regions![0]!.state = "Completed";
    }, TypeError);
    const patched = await store.patch("a", { status: "done" });
    patched.attempts = 7; // patch returns a copy the caller may change
    assert.equal(store.get("a")?.attempts, 1);
    await store.close();
    const reopened = await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" });
    assert.ok(Object.isFrozen(reopened.get("a")));
    await reopened.close();
  });

  it("refuses to write a record that carries a credential, even inside a serialized poller", async () => {
    const path = freshPath();
    const store = await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" });
    const jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOi.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQ.sig";
    const leaks = [
      JSON.stringify({ state: { config: { headers: { Authorization: "x" } } } }),
      JSON.stringify({ token: jwt }),
      JSON.stringify({ url: "https://acct.blob.core.windows.net/c/b?sv=2022&sig=abcdefghijkl%3D" }),
    ];
    for (const poller of leaks) await assert.rejects(store.put(item("a", 1, { status: "in-flight", poller })), /looks like a credential/);
    await assert.rejects(store.put(item("a", 1, { status: "failed", lastError: { code: "x", message: `sent Bearer ${jwt}`, transient: false } })), /credential/);
    // The service's own 403 wording is not a secret.
    const denied = "The client 'abc' does not have authorization to perform action 'Microsoft.Compute/galleries/write'; the bearer token lacks the role";
    await store.put(item("b", 1, { status: "failed", lastError: { code: "AuthorizationFailed", message: denied, transient: false } }));
    await store.put(item("c", 1, { status: "in-flight", poller: JSON.stringify({ state: { config: { operationLocation: "https://127.0.0.1/op?api-version=2024-03-03" } } }) }));
    await store.close();
    assert.deepEqual(Object.keys((await readState(path))?.items ?? {}), ["b", "c"]);
  });

  it("commits writes issued together as one batch, each seeing the ones before it, one failure failing only itself", async () => {
    const path = freshPath();
    const store = await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" });
    const results = await Promise.allSettled([
      store.put(item("a", 1)),
      store.patch("a", { attempts: 2 }),
      store.patch("b", { attempts: 1 }), // no such item yet: only this one fails
      store.put(item("b", 5)),
      store.remove("a"),
      store.patch("a", { attempts: 3 }), // removed just before, in the same batch
      store.patch("b", { status: "done" }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled", "rejected", "fulfilled"],
    );
    assert.equal(store.get("a"), undefined);
    assert.deepEqual([store.get("b")?.attempts, store.get("b")?.status], [5, "done"]);
    store.abandon();
    const replayed = await readState(path);
    assert.deepEqual(Object.keys(replayed?.items ?? {}), ["b"]);
    assert.equal(replayed?.items["b"]?.status, "done");
  });

  it("refuses to write an item that would make the state unreadable", async () => {
    const path = freshPath();
    const store = await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" });
    const bad = { ...item("a"), status: "finished" } as unknown as ItemState;
    await assert.rejects(store.put(bad), TypeError);
    await store.put(item("b"));
    await store.close();
    assert.deepEqual(Object.keys((await readState(path))?.items ?? {}), ["b"]);
  });

  it("refuses a state written for another ARM endpoint, and releases the lock", async () => {
    const path = freshPath();
    await (await StateStore.open(path, { armEndpoint: "https://management.azure.com", plan: "p.yaml" })).close();
    await assert.rejects(
      StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" }),
      (error: unknown) =>
        error instanceof InputError &&
        error.message.startsWith(`state ${path} belongs to ARM endpoint https://management.azure.com; this run targets ${ENDPOINT}`),
    );
    const same = await StateStore.open(path, { armEndpoint: "https://management.azure.com/", plan: "p.yaml" });
    await same.close();
  });

  it("names the file when the document is corrupt or of another schema version", async () => {
    const path = freshPath();
    await (await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" })).close();
    await writeFile(path, "{ not json");
    await assert.rejects(StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" }), (e: unknown) => e instanceof InputError && e.message.includes(`state ${path} is not valid JSON`));
    await assert.rejects(readState(path), InputError);
    await assert.rejects(StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" }), /not valid JSON/, "the failed open left no lock behind");
    await writeFile(path, JSON.stringify({ schemaVersion: 7, armEndpoint: ENDPOINT, plan: "p", createdAt: "x", updatedAt: "x", items: {} }));
    await assert.rejects(readState(path), (e: unknown) => e instanceof InputError && e.message.includes("has schemaVersion 7"));
    await writeFile(path, JSON.stringify({ schemaVersion: 1, armEndpoint: ENDPOINT, plan: "p", createdAt: "x", updatedAt: "x", items: { a: { key: "a" } } }));
    await assert.rejects(readState(path), (e: unknown) => e instanceof InputError && e.message.includes("/items/a") && e.message.includes(path));
  });

  it("reports a state path it cannot use as an input error, not a crash", async () => {
    const path = freshPath();
    await (await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" })).close();
    const under = join(path, "nested.state.json");
    await assert.rejects(StateStore.open(under, { armEndpoint: ENDPOINT, plan: "p.yaml" }), (e: unknown) => e instanceof InputError && e.message.startsWith(`cannot open the state ${under}: `));
    await assert.rejects(readState(under), (e: unknown) => e instanceof InputError && e.message.startsWith(`cannot read the state ${under}: ENOTDIR`));
  });

  it("refuses a lock held by a live process, naming its pid, host and start time", async () => {
    const path = freshPath();
    const holder = await startChild(["hold", path]);
    try {
      await assert.rejects(StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" }), (error: unknown) => {
        assert.ok(error instanceof InputError);
        assert.match(error.message, new RegExp(`locked by a run in progress: pid ${holder.child.pid} on host ${hostname()} since \\d{4}-\\d\\d-\\d\\dT`));
        return true;
      });
      assert.ok(await readState(path), "readers need no lock");
    } finally {
      holder.child.stdin.end();
      assert.equal(await holder.exited, 0);
    }
    const store = await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" });
    assert.deepEqual(store.notices, [], "a lock released cleanly needs no takeover");
    await store.close();
  });

  it("takes over a lock whose process is gone, and says so", async () => {
    const path = freshPath();
    await (await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" })).close();
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    await writeFile(`${path}.lock`, JSON.stringify({ pid: dead, host: hostname(), startedAt: "2026-01-01T00:00:00.000Z" }));
    const seen: string[] = [];
    const store = await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml", onNotice: (m) => seen.push(m) });
    assert.deepEqual(store.notices, [`took over the lock of pid ${dead} on host ${hostname()} (since 2026-01-01T00:00:00.000Z), which is no longer running`]);
    assert.deepEqual(seen, store.notices);
    assert.equal((JSON.parse(await readFile(`${path}.lock`, "utf8")) as { pid: number }).pid, process.pid);
    await store.close();
  });

  it("lets exactly one of several runs take over the same stale lock", async () => {
    const path = freshPath();
    await (await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" })).close();
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    await writeFile(`${path}.lock`, JSON.stringify({ pid: dead, host: hostname(), startedAt: "2026-01-01T00:00:00.000Z" }));
    const children = Array.from({ length: 5 }, () => spawn(process.execPath, [CHILD, "hold", path], { stdio: ["pipe", "pipe", "inherit"] }));
    const exits = children.map((child) => new Promise<number | null>((resolve) => child.on("exit", resolve)));
    try {
      const firstLines = await Promise.all(
        children.map(
          (child, i) =>
            new Promise<string>((resolve) => {
              createInterface({ input: child.stdout }).once("line", resolve);
              void exits[i]!.then((code) => resolve(`exited ${code} without a line`));
            }),
        ),
      );
      const winners = firstLines.filter((line) => line.startsWith("ready"));
      assert.equal(winners.length, 1, firstLines.join("\n"));
      assert.match(winners[0]!, /took over the lock of pid/);
      for (const line of firstLines.filter((l) => !l.startsWith("ready"))) {
        // A loser may look while the winner is between creating its lock file and writing it.
        assert.match(
          line,
          /^refused (state .* is locked by a run (in progress|that is starting)|another run is taking over the stale lock|state .* other runs are taking the lock)/,
        );
      }
      for (const child of children) child.stdin.end();
      const codes = await Promise.all(exits);
      assert.deepEqual(codes.sort(), [0, 3, 3, 3, 3]);
    } finally {
      // Never leave a lock holder behind: a live child would keep the test file from ending.
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });

  it("respects a lock from another host and tells how to remove it", async () => {
    const path = freshPath();
    await (await StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" })).close();
    await writeFile(`${path}.lock`, JSON.stringify({ pid: 1234, host: "build-agent-7", startedAt: "2026-01-01T00:00:00.000Z" }));
    await assert.rejects(
      StateStore.open(path, { armEndpoint: ENDPOINT, plan: "p.yaml" }),
      (e: unknown) => e instanceof InputError && e.message.includes("pid 1234 on host build-agent-7 since 2026-01-01T00:00:00.000Z") && e.message.includes(`delete ${path}.lock`),
    );
  });

  it("keeps every acknowledged write and stays readable when the writer is killed -9 at random moments", async () => {
    const path = freshPath();
    const acknowledged = new Map<string, number>();
    let total = 0;
    for (let round = 0; round < 8; round++) {
      // Checkpoint every 3 lines, so a good share of the kills land inside a checkpoint.
      const run = await startChild(["loop", path, "3", String(round * 1_000_000)]);
      if (round > 0) assert.match(run.ready, /took over the lock of pid \d+/);
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.floor(Math.random() * 180)));
      run.child.kill("SIGKILL");
      await run.exited;
      for (const line of run.lines) {
        const [key, attempts] = line.split(" ");
        acknowledged.set(key!, Math.max(acknowledged.get(key!) ?? 0, Number(attempts)));
        total++;
      }
      const doc = await readState(path);
      assert.ok(doc, `round ${round}: the state parses`);
      for (const [key, attempts] of acknowledged) {
        const saved = doc.items[key];
        assert.ok(saved && saved.attempts >= attempts, `round ${round}: ${key} acknowledged at ${attempts}, state has ${saved?.attempts}`);
      }
    }
    assert.ok(total > 50, `the child acknowledged enough writes to mean something (${total})`);
    const store = await StateStore.open(path, { armEndpoint: "https://127.0.0.1:8443", plan: "p.yaml" });
    assert.equal(store.items().length, 28);
    await store.close();
  });
});
