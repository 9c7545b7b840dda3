// The CLI's exit codes, in one place (k6's 99 for a failed threshold).
// Nothing else here, so that main.ts can import them without loading more.

/** the run failed (or its end could not be written) */
export const EXIT_RUN_FAILED = 1;
/** bad input: an option, a scenario, a file; said before any traffic */
export const EXIT_BAD_INPUT = 2;
/** a threshold failed */
export const EXIT_THRESHOLDS_FAILED = 99;
/** the script called k6's test.abort() (k6's ScriptAborted) */
export const EXIT_SCRIPT_ABORTED = 108;
