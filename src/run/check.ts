/** One line of the run's preflight (`PASS …` / `FAIL …; fix: …`, see preflight.ts `formatChecks`). */
export interface Check {
  ok: boolean;
  /** What was checked and what was found; on failure the cause and the fix. */
  text: string;
}
