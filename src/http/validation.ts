import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { type ErrorDetail, ValidationFailed } from '../shared/domain-error.js';

/** Flattens class-validator's tree into one detail per bad field, named by its path. */
export function validationDetails(errors: ValidationError[], parent = ''): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      details.push({ field, message: message.startsWith(error.property) ? message.replace(error.property, field) : message });
    }
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
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const details = validationDetails(errors);
      const fields = [...new Set(details.map((d) => d.field))].join(', ');
      return new ValidationFailed(`invalid request: ${fields}`, details);
    },
  });
}
