/**
 * A test hook, not a feature: `ACG_MIGRATE_CRASH_AT=<point>:<n>` makes the process kill itself
 * with SIGKILL the n-th time it reaches the named point, so crash-safety tests can stop it at
 * exact moments. Points: `definition-submit`, `definition-created`, `submitting`,
 * `version-submitted` (PUT accepted, poller not saved yet), `version-saved`, `polling`,
 * `verifying`, `done`.
 */

/** The named moments a crash can be injected at. */
export type CrashPoint =
  | "definition-submit"
  | "definition-created"
  | "submitting"
  | "version-submitted"
  | "version-saved"
  | "polling"
  | "verifying"
  | "done";

/** Returns a function to call at each point; it kills the process when the configured point and count are reached. */
export function crashHook(env: Readonly<Record<string, string | undefined>>, kill: () => void): (point: CrashPoint) => void {
  const spec = env["ACG_MIGRATE_CRASH_AT"];
  if (!spec) return () => undefined;
  const [point, countText] = spec.split(":");
  const target = Math.max(1, Number(countText ?? "1") || 1);
  let seen = 0;
  return (reached) => {
    if (reached !== point) return;
    seen += 1;
    if (seen === target) kill();
  };
}
