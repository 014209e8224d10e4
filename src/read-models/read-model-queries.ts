import { Inject, Injectable } from '@nestjs/common';
import type { ExpressionBuilder, SelectQueryBuilder } from 'kysely';
import { firstValueFrom, race, timer } from 'rxjs';
import type { Cell, Row } from '../../projections/projection.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { type Clock, CLOCK } from '../shared/clock.js';
import { DomainError, NotFound, ValidationFailed } from '../shared/domain-error.js';
import { readCheckpoint } from './checkpoints.js';
import { ProjectionRunner } from './projection-runner.js';
import { READ_MODELS, type ReadModels } from './read-models.js';
import { COMPLAINT_STAT_DIMENSIONS, type ComplaintStatDimension } from './views.js';

export interface Page {
  items: Row[];
  nextCursor: string | null;
}

/** A keyset sort: columns with their direction; the last one must be unique (the primary key). */
type Sort = [column: string, direction: 'asc' | 'desc'][];

const POLL_MS = 50;

/**
 * Reads the read-model tables for the query routes: waits for `minPosition`, filters, keyset
 * pagination with opaque cursors. Rows come back decoded (see ReadStore) with snake_case column
 * names; the controllers shape them for HTTP.
 */
@Injectable()
export class ReadModelQueries {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly runner: ProjectionRunner,
  ) {}

  /**
   * Read-your-writes: resolves once the projection has processed `minPosition` (a command
   * response's position), else 503 PROJECTION_LAGGING after the configured wait. Returns the
   * position the projection has reached.
   */
  async waitFor(projection: string, minPosition?: string): Promise<string | null> {
    const target = minPosition === undefined ? null : BigInt(minPosition);
    const deadline = Date.now() + this.config.projections.waitMs;
    for (;;) {
      const checkpoint = await readCheckpoint(this.readModels.db, projection);
      const reached = checkpoint?.position ?? null;
      if (target === null || (reached !== null && reached >= target)) return reached === null ? null : reached.toString();
      const left = deadline - Date.now();
      if (left <= 0) {
        const why = checkpoint?.status === 'failed' ? ` (the projection is stopped: ${checkpoint.error})` : '';
        throw new DomainError(
          'PROJECTION_LAGGING',
          `the ${projection} read model has reached position ${reached ?? 'none'}, not ${minPosition}, within ${this.config.projections.waitMs} ms${why}; retry shortly`,
          'unavailable',
        );
      }
      // Wake on this instance's runner committing a batch, or poll (the runner may be elsewhere).
      await firstValueFrom(race(this.runner.progress, timer(Math.min(POLL_MS, left))), { defaultValue: undefined });
    }
  }

  async one(table: string, key: Cell[]): Promise<Row | null> {
    const spec = this.readModels.table(table);
    const [row] = await this.readModels.store.load(this.readModels.db, spec, spec.name, [key]);
    return row ?? null;
  }

  async bill(orderId: string): Promise<{ bill: Row; lines: Row[] }> {
    const bill = await this.one('bills', [orderId]);
    if (!bill) throw new NotFound('bill of order', orderId);
    const spec = this.readModels.table('bill_lines');
    const lines = await this.readModels.db
      .selectFrom('bill_lines')
      .selectAll()
      .where('order_id', '=', orderId)
      .orderBy('source_position')
      .orderBy('line_id')
      .execute();
    return { bill, lines: lines.map((r) => this.readModels.store.decode(spec, r)) };
  }

  bills(filter: { brand?: string; city?: string; from?: string; to?: string }, limit: number, cursor?: string): Promise<Page> {
    return this.page('bills', [['created_at', 'desc'], ['order_id', 'desc']], limit, cursor, (q) => {
      if (filter.brand) q = q.where('brand', '=', filter.brand);
      if (filter.city) q = q.where('city', '=', filter.city);
      if (filter.from) q = q.where('created_at', '>=', filter.from);
      if (filter.to) q = q.where('created_at', '<', filter.to);
      return q;
    });
  }

  scores(filter: { tier?: string; city?: string }, limit: number, cursor?: string): Promise<Page> {
    return this.page('engineer_scores', [['score', 'desc'], ['engineer_id', 'asc']], limit, cursor, (q) => {
      if (filter.tier) q = q.where('tier', '=', filter.tier);
      if (filter.city) q = q.where('home_city', '=', filter.city);
      return q;
    });
  }

  complaints(
    filter: { status?: string; category?: string; brand?: string; engineerId?: string; city?: string; overdue?: boolean },
    limit: number,
    cursor?: string,
  ): Promise<Page> {
    const now = this.clock.now();
    return this.page('complaint_views', [['filed_at', 'asc'], ['complaint_id', 'asc']], limit, cursor, (q) => {
      if (filter.status) q = q.where('status', '=', filter.status);
      if (filter.category) q = q.where('category', '=', filter.category);
      if (filter.brand) q = q.where('brand', '=', filter.brand);
      if (filter.engineerId) q = q.where('engineer_id', '=', filter.engineerId);
      if (filter.city) q = q.where('city', '=', filter.city);
      if (filter.overdue !== undefined) {
        const overdue = (eb: ExpressionBuilder<any, any>) =>
          eb.or([
            eb.and([eb('ack_sla', '=', 'pending'), eb('ack_due_at', '<', now)]),
            eb.and([eb('resolve_sla', '=', 'pending'), eb('resolve_due_at', '<', now)]),
          ]);
        q = q.where((eb) => (filter.overdue ? overdue(eb) : eb.not(overdue(eb))));
      }
      return q;
    });
  }

  /** The read audit, newest first; `from`/`to` bound read_at as [from, to). */
  readAudit(filter: { orderId?: string; actorId?: string; from?: string; to?: string }, limit: number, cursor?: string): Promise<Page> {
    return this.page('read_audit', [['read_at', 'desc'], ['order_id', 'desc'], ['revision', 'desc']], limit, cursor, (q) => {
      if (filter.orderId) q = q.where('order_id', '=', filter.orderId);
      if (filter.actorId) q = q.where('actor_id', '=', filter.actorId);
      if (filter.from) q = q.where('read_at', '>=', filter.from);
      if (filter.to) q = q.where('read_at', '<', filter.to);
      return q;
    });
  }

  /** Whether a complaint row is past a deadline it has not met yet, as of now. */
  overdue(row: Row): boolean {
    const now = this.clock.now();
    return (row.ack_sla === 'pending' && String(row.ack_due_at) < now) || (row.resolve_sla === 'pending' && String(row.resolve_due_at) < now);
  }

  async complaintStats(by: ComplaintStatDimension): Promise<Row[]> {
    const rows = await this.readModels.db.selectFrom(`complaint_stats_by_${by}`).selectAll().orderBy('key').execute();
    const integer = ['complaints', 'open_complaints', 'upheld', 'compensated_fen', 'ack_breached', 'resolve_breached'];
    return rows.map((r) => ({
      [COMPLAINT_STAT_DIMENSIONS[by]]: String(r.key),
      ...Object.fromEntries(integer.map((c) => [c, Number(r[c] ?? 0)])),
    }));
  }

  private async page(
    table: string,
    sort: Sort,
    limit: number,
    cursor: string | undefined,
    filter: (q: SelectQueryBuilder<any, any, any>) => SelectQueryBuilder<any, any, any>,
  ): Promise<Page> {
    const spec = this.readModels.table(table);
    let query = filter(this.readModels.db.selectFrom(table).selectAll());
    if (cursor !== undefined) {
      const after = decodeCursor(cursor, sort.length);
      // Keyset: rows strictly after the cursor in sort order, (a, b) > (x, y) spelled out.
      query = query.where((eb) =>
        eb.or(
          sort.map(([column, direction], i) =>
            eb.and([...sort.slice(0, i).map(([c], j) => eb(c, '=', after[j] as never)), eb(column, direction === 'asc' ? '>' : '<', after[i] as never)]),
          ),
        ),
      );
    }
    for (const [column, direction] of sort) query = query.orderBy(column, direction);
    const rows = (await query.limit(limit + 1).execute()).map((r) => this.readModels.store.decode(spec, r));
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(sort.map(([c]) => last[c]!)) : null };
  }
}

function encodeCursor(values: Cell[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

function decodeCursor(cursor: string, length: number): Cell[] {
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === length && values.every((v) => ['string', 'number'].includes(typeof v))) return values as Cell[];
  } catch {
    // fall through to the error below
  }
  throw new ValidationFailed('cursor is not one this service issued', [{ field: 'cursor', message: 'cursor must be a nextCursor value from a previous page' }]);
}
