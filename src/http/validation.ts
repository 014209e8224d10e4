import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { type ErrorDetail, ValidationFailed } from '../shared/domain-error.js';

/**
 * Checks of what a value is (its type, its form, one of a set): when one of them fails, the
 * checks of its size or range only repeat the problem ("must not be less than 1" for "1").
 */
const KIND_CHECKS = new Set(['isInt', 'isString', 'isNumber', 'isBoolean', 'isObject', 'isArray', 'isIn', 'isEnum', 'matches', 'isInstant']);

/** What is wrong with one field: that it is missing, else its kind if that is wrong, else every check it fails. */
function messagesOf(error: ValidationError, field: string): string[] {
  const constraints = error.constraints ?? {};
  const failed = Object.keys(constraints);
  if (failed.length === 0) return [];
  if (error.value === undefined && !failed.includes('whitelistValidation')) return [`${field} is required`];
  const kind = failed.filter((name) => KIND_CHECKS.has(name));
  return (kind.length > 0 ? kind : failed).map((name) => {
    const message = constraints[name]!;
    return message.startsWith(error.property) ? message.replace(error.property, field) : message;
  });
}

/** Flattens class-validator's tree into the details of each bad field, named by its path. */
export function validationDetails(errors: ValidationError[], parent = ''): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    for (const message of messagesOf(error, field)) details.push({ field, message });
    if (error.children?.length) details.push(...validationDetails(error.children, field));
  }
  return details;
}

/** Whitelisting, unknown fields refused, values converted to the DTO's types. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    // The value is kept only to tell a missing field from a wrong one; it is never echoed back.
    validationError: { target: false, value: true },
    exceptionFactory: (errors) => {
      const details = validationDetails(errors);
      const fields = [...new Set(details.map((d) => d.field))].join(', ');
      return new ValidationFailed(`invalid request: ${fields}`, details);
    },
  });
}
