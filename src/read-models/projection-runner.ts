import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Subject } from 'rxjs';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { RecordedEvent } from '../event-store/envelope.js';
import { type AllSubscription, EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { toProjected } from '../event-store/read-ahead.js';
import { type Clock, CLOCK } from '../shared/clock.js';
import { addMs } from '../shared/time.js';
import { advanceCheckpoint, CheckpointMoved, releaseLease, tryLease } from './checkpoints.js';
import { ProjectionSlot } from './projection-engine.js';
import { READ_MODELS, type ReadModels } from './read-models.js';

export const RUNNER_LEASE = 'projection-runner';
const LEASE_MS = 15_000;
/** A live runner refreshes derived tables (scores) at least this often while it never catches up. */
const DERIVED_REFRESH_EVENTS = 20_000;

export interface ProjectionState {
  name: string;
  position: string | null;
  status: 'running' | 'failed';
  error: string | null;
}

/** Test seam: runs inside each batch's transaction after the rows are written, before commit. */
export type BeforeCommit = (batch: RecordedEvent[], trx: Kysely<any>) => void | Promise<void>;

/**
 * Feeds the projections from `$all`: from the checkpoints, in batches, writing rows and
 * checkpoints in one transaction, then live. One runner is active across instances (a lease in
 * the read database; the checkpoint compare-and-set makes a second writer roll back even if two
 * ever overlap). A projection that cannot read an event stops at it, says so in the log and in
 * /health, and the others go on. Projections whose version or settings changed are rebuilt
 * before going live.
 */
@Injectable()
export class ProjectionRunner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ProjectionRunner');
  private readonly holder = randomUUID();
  private stopping = false;
  private loop: Promise<void> | null = null;
  private subscription: AllSubscription | null = null;
  private wakeStandby: (() => void) | null = null;
  private slots: ProjectionSlot[] = [];
  private leaseUntil = '';
  role: 'disabled' | 'standby' | 'active' = 'disabled';
  /** Emits after every committed batch. */
  readonly progress = new Subject<void>();
  beforeCommit: BeforeCommit | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.projections.run) return;
    this.start();
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.role = 'standby';
    this.loop = this.run();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeStandby?.();
    await this.subscription?.close();
    await this.loop;
    this.loop = null;
    if (this.role === 'active') await releaseLease(this.readModels.db, RUNNER_LEASE, this.holder).catch(() => undefined);
    this.role = 'disabled';
  }

  /** What the projections have reached, as this runner last committed it. */
  states(): ProjectionState[] {
    return this.slots.map((s) => ({
      name: s.projection.name,
      position: s.checkpoint === null ? null : s.checkpoint.toString(),
      status: s.failure ? 'failed' : 'running',
      error: s.failure?.message ?? null,
    }));
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        if (!(await this.renewLease())) {
          this.role = 'standby';
          await this.pause(LEASE_MS / 3);
          continue;
        }
        this.role = 'active';
        await this.lead();
      } catch (error) {
        if (this.stopping) break;
        if (error instanceof CheckpointMoved) {
          this.logger.warn(`${error.message}; reloading checkpoints`);
          continue;
        }
        this.logger.error(`projection runner stopped: ${(error as Error).message}; retrying`, (error as Error).stack);
        await this.pause(1_000);
      }
    }
  }

  private async lead(): Promise<void> {
    let checkpoints = await this.readModels.ensureSchema();
    const stale = this.readModels.projections.filter((p) => !this.readModels.isCurrent(p, checkpoints.get(p.name)!));
    if (stale.length > 0) {
      const names = stale.map((p) => p.name);
      this.logger.warn(`rebuilding ${names.join(', ')}: version or settings changed`);
      const result = await this.readModels.rebuild(this.store, names);
      this.logger.log(`rebuilt ${names.join(', ')} from ${result.events} events`);
      checkpoints = await this.readModels.ensureSchema();
    }
    const committed = new Map<ProjectionSlot, { generation: number; position: bigint | null }>();
    this.slots = this.readModels.projections.map((projection) => {
      const cp = checkpoints.get(projection.name)!;
      const slot = new ProjectionSlot(projection);
      slot.checkpoint = cp.position;
      slot.generation = cp.generation;
      slot.watermark = cp.watermark;
      // Derived tables are recomputed once after a (re)start, whatever was committed before.
      slot.derivedStale = cp.watermark === null ? 0 : 1;
      committed.set(slot, { generation: cp.generation, position: cp.position });
      return slot;
    });
    const from = this.slots.reduce<bigint | null>((min, s) => {
      const next = s.checkpoint === null ? 0n : s.checkpoint + 1n;
      return min === null || next < min ? next : min;
    }, null);
    // Readers waiting on a position the tables already reflect need not wait for a batch.
    this.progress.next();
    const batchSize = this.config.projections.batchSize;
    this.subscription = this.store.subscribeAll({ fromPosition: from ?? 0n, batchSize });
    if (this.stopping) await this.subscription.close();
    try {
      for await (const batch of this.subscription) {
        if (this.stopping) break;
        if (!(await this.renewLease())) {
          this.logger.warn('projection runner lease lost; standing by');
          break;
        }
        const caughtUp = batch.length < batchSize;
        const outcome = await this.readModels.db
          .transaction()
          .execute(async (trx) => {
            const outcome = await this.readModels.engine.applyBatch(trx, this.slots, batch.map(toProjected));
            for (const slot of this.slots) {
              if (caughtUp || slot.derivedStale >= DERIVED_REFRESH_EVENTS) await this.readModels.engine.refreshDerived(trx, slot);
            }
            await this.beforeCommit?.(batch, trx);
            for (const slot of this.slots) {
              const before = committed.get(slot)!;
              await advanceCheckpoint(trx, slot.projection.name, before, {
                position: slot.checkpoint,
                watermark: slot.watermark,
                status: slot.failure ? 'failed' : 'running',
                error: slot.failure?.message ?? null,
                updatedAt: this.clock.now(),
              });
            }
            return outcome;
          })
          .catch((error: unknown) => {
            // Rows and checkpoints rolled back: cached rows may hold the batch's changes.
            for (const slot of this.slots) slot.rows.clear();
            throw error;
          });
        for (const slot of this.slots) committed.set(slot, { generation: slot.generation, position: slot.checkpoint });
        for (const failure of outcome.failures) {
          this.logger.error(`${failure.message}; projection ${failure.projection} is stopped at its checkpoint until it is fixed and rebuilt or the service restarts`);
        }
        this.progress.next();
      }
    } finally {
      await this.subscription.close();
      this.subscription = null;
    }
  }

  /** Takes or renews the runner lease; false when another instance holds it. */
  private async renewLease(): Promise<boolean> {
    const now = this.clock.now();
    if (this.role === 'active' && this.leaseUntil > addMs(now, (LEASE_MS * 2) / 3)) return true;
    const until = addMs(now, LEASE_MS);
    const held = await tryLease(this.readModels.db, RUNNER_LEASE, this.holder, now, until);
    if (held) this.leaseUntil = until;
    return held;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeStandby = done;
    });
  }
}
