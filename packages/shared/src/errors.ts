/**
 * Errors with stable codes (as undici and fastify do): callers branch on
 * `code`, people read `message`, and `cause` keeps the original.
 */
export type VolleyErrorCode =
  | 'VOLLEY_BAD_DURATION'
  | 'VOLLEY_BAD_OPTION'
  | 'VOLLEY_BAD_SCENARIO'
  | 'VOLLEY_BAD_MESSAGE'
  | 'VOLLEY_BAD_HISTOGRAM'
  | 'VOLLEY_PROTOCOL_VERSION'
  | 'VOLLEY_UNAUTHORIZED'
  | 'VOLLEY_NO_WORKERS'
  | 'VOLLEY_RUN_STATE'
  | 'VOLLEY_WORKER_FAILED';

/**
 * The CLI's exit code for each: 2 for bad input, said before any traffic
 * (an option, a scenario, a file, a token); 1 for a run that failed.
 */
const EXIT_CODES: Record<VolleyErrorCode, 1 | 2> = {
  VOLLEY_BAD_DURATION: 2,
  VOLLEY_BAD_OPTION: 2,
  VOLLEY_BAD_SCENARIO: 2,
  VOLLEY_BAD_MESSAGE: 2,
  VOLLEY_BAD_HISTOGRAM: 2,
  VOLLEY_UNAUTHORIZED: 2,
  VOLLEY_PROTOCOL_VERSION: 1,
  VOLLEY_NO_WORKERS: 1,
  VOLLEY_RUN_STATE: 1,
  VOLLEY_WORKER_FAILED: 1,
};

export class VolleyError extends Error {
  readonly code: VolleyErrorCode;
  constructor(code: VolleyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VolleyError';
    this.code = code;
  }

  /** the exit code of a command that ends with this error */
  get exitCode(): 1 | 2 {
    return EXIT_CODES[this.code];
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
