/**
 * The read audit: every read of an order's history, charge trail or evidence is itself an event,
 * so access to customers' personal data is accountable (who read what, when, and why). Type
 * names never change once used; a breaking change is a new type.
 */

/** What was read: the history route or CLI, the charge trail, the evidence route, the CLI export. */
export const READ_SUBJECTS = ['history', 'charge-trail', 'evidence', 'export'] as const;
export type ReadSubject = (typeof READ_SUBJECTS)[number];

/** Through which door: the HTTP API or the command line. */
export const READ_CHANNELS = ['http', 'cli'] as const;
export type ReadChannel = (typeof READ_CHANNELS)[number];

/** Longest reason a reader may give, in characters. */
export const READ_REASON_MAX = 500;

/** One read of an order's record. The reader is the event's actor; the reason is also in its metadata. */
export type OrderRecordRead = {
  type: 'OrderRecordRead';
  data: {
    orderId: string;
    what: ReadSubject;
    channel: ReadChannel;
    /** The instant the history was read as of, when one was asked for. */
    asOf?: string;
    /** Why the reader says they read it, when they said. */
    reason?: string;
  };
};

export type ReadAuditEvent = OrderRecordRead;

/** One stream per order, beside the order's own: reads never touch the order stream or its revision. */
export const readAuditStream = (orderId: string) => `read-audit-${orderId}`;
