import { READ_REASON_MAX } from './read-audit.events.js';

/**
 * The reason a reader gives, trimmed, or why it cannot be recorded: 1-500 characters after
 * trimming, no control characters (a reason is one line of text in the audit).
 */
export function checkReadReason(raw: string): { reason: string } | { problem: string } {
  const reason = raw.trim();
  if (reason.length === 0) return { problem: 'must not be blank' };
  if ([...reason].length > READ_REASON_MAX) return { problem: `must be at most ${READ_REASON_MAX} characters` };
  if (/\p{Cc}/u.test(reason)) return { problem: 'must not contain control characters' };
  return { reason };
}
