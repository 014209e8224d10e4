import {
  applyDecorators,
  type CallHandler,
  type ExecutionContext,
  HttpStatus,
  Inject,
  Injectable,
  type NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { catchError, from, mergeMap, type Observable, throwError } from 'rxjs';
import { deriveEventId } from '../event-store/append-core.js';
import type { Actor } from '../event-store/envelope.js';
import { newId } from '../shared/ids.js';
import { SQL_DATABASE, type SqlDatabase } from '../persistence/sql-database.js';
import { type Clock, CLOCK } from '../shared/clock.js';
import { DomainError, ValidationFailed } from '../shared/domain-error.js';
import { addMs, isBefore } from '../shared/time.js';
import { ApiRequiredIdempotencyKey, IDEMPOTENCY_KEY_PATTERN } from './api-docs.js';
import { toHttpError } from './error.filter.js';
import { ReplayedResponse } from './replayed-response.js';
import { routePattern } from './route-pattern.js';

export type RequestWithCommandId = FastifyRequest & { actor?: Actor; commandId?: string };

export const IDEMPOTENCY = 'service-ledger:idempotency';
/** Money-moving commands: an Idempotency-Key is required (API.md, Conventions). */
export const RequiresIdempotencyKey = () => applyDecorators(SetMetadata(IDEMPOTENCY, { required: true }), ApiRequiredIdempotencyKey());

/**
 * The command id of a request that carries an Idempotency-Key: derived from the actor, the route
 * and the key, so two clients that happen to pick the same key never collide, and a retry of
 * the same request maps to the same command (and so to the same event ids).
 */
export function commandIdFromKey(actor: Actor, method: string, route: string, key: string): string {
  return createHash('sha256').update(`${actor.id}\u0000${method}\u0000${route}\u0000${key}`).digest('hex').slice(0, 32);
}

export function commandIdOf(req: RequestWithCommandId): string | undefined {
  return req.commandId;
}

/**
 * The id of a new aggregate the client did not name. With an Idempotency-Key it derives from the
 * command id, so a retry creates nothing new even if its idempotency record was lost.
 */
export function newIdFor(req: RequestWithCommandId): string {
  return req.commandId ? deriveEventId(`${req.commandId}:id`, 0) : newId();
}

/** Key order does not change a request's identity; any JSON value hashes. */
function requestHash(body: unknown): string {
  const stable = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(stable)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, stable((v as Record<string, unknown>)[k])]))
        : v;
  return createHash('sha256').update(JSON.stringify(stable(body ?? null))).digest('hex');
}

/** An in-progress record older than this belongs to a process that died; its key may be retried. */
const ABANDONED_AFTER_MS = 30_000;

/**
 * Idempotency for every POST (API.md): the same key with the same body returns the first
 * response again (same status, same bytes) and records nothing; with a different body, 422
 * IDEMPOTENCY_KEY_REUSED; two concurrent requests with one key execute once. Records live in
 * the service's SQL database, so they survive restarts. Because the command id derives from the
 * key, even a crash between the append and the record cannot record twice: the retry finds the
 * command's events and answers from them.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly reflector: Reflector,
    @Inject(SQL_DATABASE) private readonly sql: SqlDatabase,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<RequestWithCommandId>();
    if (req.method !== 'POST' || !req.actor) return next.handle();
    const policy = this.reflector.get<{ required: boolean } | undefined>(IDEMPOTENCY, context.getHandler());
    const header = req.headers['idempotency-key'];
    const key = Array.isArray(header) ? header[0] : header;
    if (key === undefined) {
      if (policy?.required) {
        throw new ValidationFailed('this command moves money: an Idempotency-Key header is required', [
          { field: 'Idempotency-Key', message: 'header is required (1-128 visible ASCII characters)' },
        ]);
      }
      return next.handle();
    }
    if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw new ValidationFailed('Idempotency-Key must be 1-128 visible ASCII characters', [
        { field: 'Idempotency-Key', message: 'must be 1-128 visible ASCII characters' },
      ]);
    }
    // The route pattern and its decoded parameters, not the raw path: paths match
    // case-insensitively, with or without a trailing slash, with %-escapes decoded, so one request
    // can be spelled many ways.
    const route = `${routePattern(req)}${JSON.stringify(req.params ?? {})}`;
    const scope = commandIdFromKey(req.actor, req.method, route, key);
    req.commandId = scope;
    const hash = requestHash(req.body);
    const status = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? HttpStatus.CREATED;

    return from(this.begin(scope, hash)).pipe(
      mergeMap((release) =>
        next.handle().pipe(
          mergeMap((body) => from(this.complete(scope, status, JSON.stringify(body), release).then(() => body))),
          catchError((error: unknown) => {
            const http = toHttpError(error);
            // Refusals of the command (403, 404, 422) are answers too and are replayed. A request that
            // failed validation (400) never ran, and server errors and conflicts may be retried: the
            // key is freed, so the corrected or retried request may use it.
            const keep = http.status < 500 && http.status !== 409 && http.status !== 400;
            const settle = keep ? this.complete(scope, http.status, JSON.stringify(http.body), release) : this.abandon(scope, release);
            return from(settle).pipe(mergeMap(() => throwError(() => error)));
          }),
        ),
      ),
    );
  }

  /** Claims the key, or throws the replay / conflict answer. Returns the in-process release. */
  private async begin(scope: string, hash: string): Promise<() => void> {
    for (;;) {
      const running = this.inFlight.get(scope);
      if (running) {
        // A concurrent duplicate in this process: wait for the first, then answer as it did.
        await running;
        continue;
      }
      let release!: () => void;
      const done = new Promise<void>((resolve) => (release = resolve));
      this.inFlight.set(scope, done);
      const finish = () => {
        this.inFlight.delete(scope);
        release();
      };
      try {
        await this.claim(scope, hash);
        return finish;
      } catch (error) {
        finish();
        throw error;
      }
    }
  }

  private async claim(scope: string, hash: string): Promise<void> {
    const now = this.clock.now();
    const inserted = await this.sql.db
      .insertInto('idempotency_keys')
      .values({ scope, request_hash: hash, state: 'in_progress', started_at: now })
      .onConflict((oc) => oc.column('scope').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return;
    const record = await this.sql.db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).executeTakeFirst();
    if (!record) return this.claim(scope, hash);
    if (record.request_hash !== hash) {
      throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used with a different request body', 'rule');
    }
    if (record.state === 'done') throw new ReplayedResponse(Number(record.status), String(record.body));
    if (isBefore(addMs(record.started_at, ABANDONED_AFTER_MS), now)) {
      // Its process died mid-request. The command id is the same, so re-running cannot record twice.
      await this.sql.db.updateTable('idempotency_keys').set({ started_at: now }).where('scope', '=', scope).execute();
      return;
    }
    throw new DomainError('IDEMPOTENCY_IN_PROGRESS', 'a request with this Idempotency-Key is still being processed; retry shortly', 'conflict');
  }

  private async complete(scope: string, status: number, body: string, release: () => void): Promise<void> {
    try {
      await this.sql.db
        .updateTable('idempotency_keys')
        .set({ state: 'done', status, body, completed_at: this.clock.now() })
        .where('scope', '=', scope)
        .execute();
    } finally {
      release();
    }
  }

  private async abandon(scope: string, release: () => void): Promise<void> {
    try {
      await this.sql.db.deleteFrom('idempotency_keys').where('scope', '=', scope).where('state', '=', 'in_progress').execute();
    } finally {
      release();
    }
  }
}
