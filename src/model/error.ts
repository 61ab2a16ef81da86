// The one error class of Palisade (shared/STYLE.md "Errors and input"): a stable kebab-case
// code, a message for people, an HTTP-style status and structured details.

export interface PalisadeErrorOptions {
  readonly status?: number;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

export class PalisadeError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, options: PalisadeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PalisadeError';
    this.code = code;
    this.status = options.status ?? 400;
    this.details = options.details ?? {};
  }
}

/** Wraps any error with the context of the boundary it crosses ("reading x.yaml: …"). */
export function wrapError(context: string, error: unknown, code = 'internal'): PalisadeError {
  if (error instanceof PalisadeError) {
    return new PalisadeError(error.code, `${context}: ${error.message}`, {
      status: error.status,
      details: error.details,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new PalisadeError(code, `${context}: ${message}`, { status: 500, cause: error });
}
