import { basename, dirname, extname, join } from "node:path";

/** The default state file of a plan: its path with the extension replaced (`migrations.yaml` → `migrations.state.json`). */
export function defaultStatePath(planPath: string): string {
  const ext = extname(planPath);
  const base = basename(planPath, ext);
  const dir = dirname(planPath);
  // Keep a plan given without a directory relative, exactly as the user typed it.
  return dir === "." && !planPath.startsWith(".") ? `${base}.state.json` : join(dir, `${base}.state.json`);
}
