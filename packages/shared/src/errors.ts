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

export class VolleyError extends Error {
  readonly code: VolleyErrorCode;
  constructor(code: VolleyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VolleyError';
    this.code = code;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
