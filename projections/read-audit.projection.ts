import type { OrderRecordRead } from '../src/read-audit/domain/read-audit.events.js';
import type { ProjectedEvent, Projection, RowChange, TableSpec } from './projection.js';
import { ProjectionError } from './projection.js';
import { change, keyOf, recordedAt } from './row-change.js';

/**
 * The read audit as a table compliance can list and query: one row per recorded read of an
 * order's history, charge trail or evidence. Reads are facts; a row never changes once written.
 */

const NAME = 'read-audit';

export const READ_AUDIT_TABLE: TableSpec = {
  name: 'read_audit',
  description:
    "One row per recorded read of an order's history, charge trail or evidence bundle, over HTTP by any role or through the CLI's history and export commands: who read, when, what, as of which instant and why. Written from the OrderRecordRead events of the read-audit-<order id> streams; a row never changes.",
  columns: [
    { name: 'order_id', type: 'text', description: 'The service order whose record was read.' },
    {
      name: 'revision',
      type: 'integer',
      description: "Revision of the read in the order's read-audit stream (read-audit-<order id>): 0 for the first recorded read of the order, then 1, 2, ...",
    },
    { name: 'event_id', type: 'text', description: 'Event id of the OrderRecordRead that recorded the read.' },
    { name: 'read_at', type: 'timestamp', description: 'When the read was recorded (the recorded time of the event), just before the answer was sent.' },
    { name: 'actor_id', type: 'text', description: "Who read: the actor id of the caller's token, or cli:<operating-system user> for the CLI." },
    { name: 'actor_role', type: 'text', description: 'Role the reader acted in: customer, engineer, agent, supervisor, compliance, analyst or admin (the CLI reads as compliance).' },
    {
      name: 'what',
      type: 'text',
      description: 'What was read: history (GET /orders/:id/history or the history command), charge-trail, evidence (GET /orders/:id/evidence) or export (the export command).',
    },
    { name: 'channel', type: 'text', description: 'http (the API) or cli (the command line).' },
    { name: 'as_of', type: 'timestamp', nullable: true, description: 'The instant the history was read as of; null when the whole record was read.' },
    { name: 'reason', type: 'text', nullable: true, description: 'Why the reader said they read it (X-Access-Reason header, or --reason); null when none was given.' },
    { name: 'last_position', type: 'text', description: 'Global event position (decimal) of the OrderRecordRead event.' },
    { name: 'updated_at', type: 'timestamp', description: 'When that event was recorded (ISO-8601 UTC); equal to read_at.' },
  ],
  primaryKey: ['order_id', 'revision'],
  indexes: [['read_at'], ['order_id', 'read_at'], ['actor_id', 'read_at']],
};

const HANDLES = ['OrderRecordRead'] as const;

function project(event: ProjectedEvent): RowChange[] {
  if (event.schemaVersion !== 1) throw new ProjectionError(NAME, event, `schema version ${event.schemaVersion} is not one this projection reads`);
  const at = recordedAt(NAME, event);
  const d = (event.data ?? {}) as Partial<OrderRecordRead['data']>;
  const orderId = keyOf(NAME, event, d.orderId, 'orderId');
  return [
    change(READ_AUDIT_TABLE, [orderId, event.revision], event, (current) =>
      current
        ? undefined
        : {
            order_id: orderId,
            revision: event.revision,
            event_id: event.eventId,
            read_at: at,
            actor_id: event.actor.id,
            actor_role: event.actor.role,
            what: keyOf(NAME, event, d.what, 'what'),
            channel: keyOf(NAME, event, d.channel, 'channel'),
            as_of: d.asOf ?? null,
            reason: d.reason ?? null,
          },
    ),
  ];
}

export const readAuditProjection: Projection = {
  name: NAME,
  version: 1,
  tables: [READ_AUDIT_TABLE],
  handles: HANDLES,
  project,
};
