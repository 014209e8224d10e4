import type { Decider } from '../../shared/decider.js';
import type { OrderRecordRead, ReadAuditEvent } from './read-audit.events.js';

export type RecordRead = { type: 'RecordRead'; data: OrderRecordRead['data'] };

/** A read is a fact to record, never refused: the decider only shapes the event (no empty fields). */
export const readAuditDecider: Decider<null, RecordRead, ReadAuditEvent> = {
  initialState: null,
  decide(command) {
    const { orderId, what, channel, asOf, reason } = command.data;
    return [{ type: 'OrderRecordRead', data: { orderId, what, channel, ...(asOf ? { asOf } : {}), ...(reason ? { reason } : {}) } }];
  },
  evolve: () => null,
};
