/** Google API errors: canonical status names, their HTTP codes and the JSON body Google sends. */

export type GoogleStatus =
  | 'INVALID_ARGUMENT'
  | 'FAILED_PRECONDITION'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'RESOURCE_EXHAUSTED'
  | 'INTERNAL'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED';

const HTTP_CODES: Record<GoogleStatus, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** The `error` object of a Google error response, also used for per-request errors in batch results. */
export interface GoogleErrorObject {
  code: number;
  message: string;
  status: GoogleStatus;
  details?: unknown[];
}

/** An error to be answered to the caller as Google error JSON. */
export class ApiFailure extends Error {
  constructor(
    readonly status: GoogleStatus,
    message: string,
    readonly details?: unknown[],
  ) {
    super(message);
    this.name = 'ApiFailure';
  }

  get httpCode(): number {
    return HTTP_CODES[this.status];
  }

  toErrorObject(): GoogleErrorObject {
    const error: GoogleErrorObject = { code: this.httpCode, message: this.message, status: this.status };
    if (this.details) error.details = this.details;
    return error;
  }
}

export function invalidArgument(message: string): ApiFailure {
  return new ApiFailure('INVALID_ARGUMENT', message);
}

export function notFound(message: string): ApiFailure {
  return new ApiFailure('NOT_FOUND', message);
}

export function failedPrecondition(message: string): ApiFailure {
  return new ApiFailure('FAILED_PRECONDITION', message);
}
