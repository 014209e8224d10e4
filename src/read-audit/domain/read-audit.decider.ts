import type { Decider } from '../../shared/decider.js';
import type { OrderRecordRead, ReadAuditEvent } from './read-audit.events.js';

export type RecordRead = { type: 'RecordRead'; data: OrderRecordRead['data'] };

export interface ReadAuditState {
  reads: number;
}

/** A read is a fact to record, never refused: the decider only shapes the event (no empty fields). */
export const readAuditDecider: Decider<ReadAuditState, RecordRead, ReadAuditEvent> = {
  initialState: { reads: 0 },
  decide(command) {
    const { orderId, what, channel, asOf, reason } = command.data;
    return [{ type: 'OrderRecordRead', data: { orderId, what, channel, ...(asOf ? { asOf } : {}), ...(reason ? { reason } : {}) } }];
  },
  evolve(state) {
    return { reads: state.reads + 1 };
  },
};
