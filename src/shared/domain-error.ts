/**
 * Errors raised by domain and application code. Each carries a stable code from the HTTP
 * contract and a kind; the one exception filter maps kinds to status codes, so domain code
 * never knows about HTTP.
 */
export type ErrorKind =
  | 'validation' // 400
  | 'unauthenticated' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'conflict' // 409
  | 'rule' // 422
  | 'unavailable'; // 503

export interface ErrorDetail {
  field?: string;
  message: string;
  [key: string]: unknown;
}

export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly kind: ErrorKind = 'rule',
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** A business rule refused the command (422). */
export class RuleViolation extends DomainError {
  constructor(code: string, message: string, details: ErrorDetail[] = []) {
    super(code, message, 'rule', details);
  }
}

export class NotFound extends DomainError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} ${id} was not found`, 'not_found');
  }
}

export class Forbidden extends DomainError {
  constructor(message: string) {
    super('FORBIDDEN', message, 'forbidden');
  }
}

export class ValidationFailed extends DomainError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super('VALIDATION_FAILED', message, 'validation', details);
  }
}
