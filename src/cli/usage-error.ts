/** A mistake in how a command was called: exit code 2 with the message, no stack. */
export class UsageError extends Error {}
