import type { ProjectedEvent } from '../../projections/projection.js';
import { readAuditProjection } from '../../projections/read-audit.projection.js';
import { replay, rowKey } from '../../projections/row-set.js';

const read = (revision: number, position: number, data: Record<string, unknown>, actor = { id: 'comp-1', role: 'compliance' }): ProjectedEvent => ({
  type: 'OrderRecordRead',
  schemaVersion: 1,
  stream: 'read-audit-ord-1',
  revision,
  position: String(position),
  recordedAt: `2026-05-05T08:0${revision}:00.000Z`,
  eventId: `evt-${position}`,
  actor,
  data: { orderId: 'ord-1', ...data },
});

describe('the read-audit projection', () => {
  it('writes one row per recorded read, with who, when, what, as of when and why', () => {
    const rows = replay(readAuditProjection, [
      read(0, 10, { what: 'history', channel: 'http', asOf: '2026-05-04T09:00:00.000Z', reason: '核查投诉' }),
      read(1, 12, { what: 'export', channel: 'cli' }, { id: 'cli:auditor', role: 'compliance' }),
    ]).table('read_audit');
    expect(rows.get(rowKey(['ord-1', 0]))).toEqual({
      order_id: 'ord-1',
      revision: 0,
      event_id: 'evt-10',
      read_at: '2026-05-05T08:00:00.000Z',
      actor_id: 'comp-1',
      actor_role: 'compliance',
      what: 'history',
      channel: 'http',
      as_of: '2026-05-04T09:00:00.000Z',
      reason: '核查投诉',
      last_position: '10',
      updated_at: '2026-05-05T08:00:00.000Z',
    });
    expect(rows.get(rowKey(['ord-1', 1]))).toMatchObject({ actor_id: 'cli:auditor', what: 'export', channel: 'cli', as_of: null, reason: null });
  });

  it('never changes a row once written, and stops on a read it cannot file', () => {
    const first = read(0, 10, { what: 'history', channel: 'http' });
    const rows = replay(readAuditProjection, [first, { ...first, position: '11', data: { orderId: 'ord-1', what: 'evidence', channel: 'http' } }]).table('read_audit');
    expect(rows.get(rowKey(['ord-1', 0]))).toMatchObject({ what: 'history', last_position: '10' });
    expect(() => replay(readAuditProjection, [read(0, 10, { what: 'history' })])).toThrow(/read-audit cannot apply OrderRecordRead read-audit-ord-1@0 .*channel must be a non-empty string/);
  });
});
