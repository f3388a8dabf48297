// Runs the compiled test files (dist/test/**/*.test.js) with Node's built-in runner.
// Node 20 takes no globs after --test, and a bare directory would also run helper modules
// that live under test/, so the files are listed here. Extra arguments filter by substring:
//   npm test -- emulator      runs only the files whose path contains "emulator".
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const testDir = join(root, "dist", "test");

function collect(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return collect(path);
    return entry.name.endsWith(".test.js") ? [path] : [];
  });
}

const filters = process.argv.slice(2);
const files = collect(testDir)
  .filter((file) => filters.length === 0 || filters.some((f) => relative(root, file).includes(f)))
  .sort();
if (files.length === 0) {
  console.error(`no test files under ${relative(root, testDir)} match ${filters.join(" ") || "*.test.js"}`);
  process.exit(1);
}
// Integration tests mostly wait on sockets and timers, so more files than cores can run at once.
const concurrency = process.env.TEST_CONCURRENCY ?? "4";
// A test that hangs must fail the run, not stall it: each test gets 4 minutes, the whole run 9.
const result = spawnSync(process.execPath, ["--test", `--test-concurrency=${concurrency}`, "--test-timeout=240000", ...files], {
  stdio: "inherit",
  cwd: root,
  timeout: 9 * 60 * 1000,
  killSignal: "SIGKILL",
});
if (result.error || result.signal) {
  console.error(`test run stopped: ${result.error?.message ?? `killed by ${result.signal}`} (the suite must finish within 9 minutes)`);
  console.error("0 passed, 1 failed");
  process.exit(1);
}
process.exit(result.status ?? 1);
