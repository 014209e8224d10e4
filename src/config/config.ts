import { resolve } from 'node:path';
import type { Actor, Role } from '../event-store/envelope.js';
import { ROLES } from '../event-store/envelope.js';

/**
 * The service's configuration, read from the environment once at boot and validated as a whole:
 * a bad value stops start-up with one message listing every problem.
 */
/** Rows each projection keeps in memory between batches unless PROJECTION_ROW_CACHE says otherwise. */
export const DEFAULT_ROW_CACHE = 45_000;

export interface AppConfig {
  nodeEnv: string;
  production: boolean;
  port: number;
  host: string;
  store: 'embedded' | 'postgres' | 'eventstoredb';
  dataDir: string;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  databaseUrl?: string;
  pgSchema: string;
  eventstoreUrl?: string;
  /** Bearer token -> actor. Out of production, `demo-<role>` tokens are added. */
  tokens: Map<string, Actor>;
  logLevel: string;
  /** Compensation at or above this needs a supervisor (DESIGN.md rule 5). */
  compensationSupervisorThresholdFen: number;
  /** `enforce` refuses unverified engineers at dispatch; `record` allows and records the gaps. */
  dispatchCredentialPolicy: 'enforce' | 'record';
  /** The largest request body accepted, in bytes (API.md: over 100 kB is 413). */
  bodyLimitBytes: number;
  projections: {
    /** Whether this instance runs the projection runner (one instance holds the lease at a time). */
    run: boolean;
    batchSize: number;
    /** Rows each projection keeps in memory between batches (rows a rebuild has not written yet included). */
    rowCache: number;
    /** How long a read with `minPosition` waits for the projections before 503 PROJECTION_LAGGING. */
    waitMs: number;
    complaintSla: { ackHours: number; resolveHoursSmall: number; resolveHoursLarge: number; largeClaimFen: number };
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];

  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
    return fallback;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  };
  const url = (name: string, protocols: string[], required: boolean): string | undefined => {
    const raw = env[name];
    if (!raw) {
      if (required) problems.push(`${name} is required (${protocols.map((p) => `${p}//...`).join(' or ')})`);
      return undefined;
    }
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name} must start with ${protocols.join(' or ')}// (got "${parsed.protocol}//")`);
      }
    } catch {
      problems.push(`${name} is not a valid URL`);
    }
    return raw;
  };

  const nodeEnv = env.NODE_ENV ?? 'development';
  const production = nodeEnv === 'production';
  const store = oneOf('STORE', ['embedded', 'postgres', 'eventstoredb'] as const, 'embedded');
  const pgSchema = env.PG_SCHEMA || 'ledger';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(pgSchema)) {
    problems.push(`PG_SCHEMA must be a lower-case SQL identifier (got "${pgSchema}")`);
  }

  const config: AppConfig = {
    nodeEnv,
    production,
    port: integer('PORT', 3000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    store,
    dataDir: resolve(env.DATA_DIR || './data'),
    sqliteSynchronous: oneOf('SQLITE_SYNCHRONOUS', ['FULL', 'NORMAL'] as const, 'FULL'),
    // Read models live in PostgreSQL whenever the store is not embedded, so both server modes need it.
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:'], store === 'postgres' || store === 'eventstoredb'),
    pgSchema,
    eventstoreUrl: url('EVENTSTORE_URL', ['esdb:', 'esdb+discover:', 'kurrentdb:', 'kurrentdb+discover:'], store === 'eventstoredb'),
    tokens: parseTokens(env.AUTH_TOKENS, production, problems),
    logLevel: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    compensationSupervisorThresholdFen: integer('COMPENSATION_SUPERVISOR_THRESHOLD_FEN', 100_000, 1, Number.MAX_SAFE_INTEGER),
    dispatchCredentialPolicy: oneOf('DISPATCH_CREDENTIAL_POLICY', ['enforce', 'record'] as const, 'enforce'),
    bodyLimitBytes: 100 * 1024,
    projections: {
      run: oneOf('PROJECTIONS', ['on', 'off'] as const, 'on') === 'on',
      batchSize: integer('PROJECTION_BATCH_SIZE', 500, 1, 10_000),
      rowCache: integer('PROJECTION_ROW_CACHE', DEFAULT_ROW_CACHE, 3, 10_000_000),
      waitMs: integer('READ_MODEL_WAIT_MS', 5_000, 0, 60_000),
      complaintSla: {
        ackHours: integer('COMPLAINT_ACK_HOURS', 2, 1, 24 * 30),
        resolveHoursSmall: integer('COMPLAINT_RESOLVE_HOURS', 24, 1, 24 * 90),
        resolveHoursLarge: integer('COMPLAINT_RESOLVE_HOURS_LARGE', 72, 1, 24 * 90),
        largeClaimFen: 0,
      },
    },
  };
  // A claim at or above the supervisor threshold is a large one: it gets the longer resolve deadline.
  config.projections.complaintSla.largeClaimFen = config.compensationSupervisorThresholdFen;
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * AUTH_TOKENS: comma-separated `token=actorId:role` entries, e.g.
 * `s3cret=ops-7:supervisor,t0k=eng-42:engineer`.
 */
function parseTokens(raw: string | undefined, production: boolean, problems: string[]): Map<string, Actor> {
  const tokens = new Map<string, Actor>();
  if (!production) {
    for (const role of ROLES) if (role !== 'system') tokens.set(`demo-${role}`, { id: `demo-${role}`, role });
  }
  for (const entry of (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const match = /^([^=\s]{16,})=([A-Za-z0-9_-]{1,64}):([a-z]+)$/.exec(entry);
    if (!match) {
      problems.push(
        `AUTH_TOKENS entry "${entry.slice(0, 8)}…" must look like token=actorId:role with a token of at least 16 characters`,
      );
      continue;
    }
    const [, token, id, role] = match as unknown as [string, string, string, string];
    if (!(ROLES as readonly string[]).includes(role) || role === 'system') {
      problems.push(`AUTH_TOKENS entry for ${id}: unknown role "${role}"`);
      continue;
    }
    tokens.set(token, { id, role: role as Role });
  }
  if (production && tokens.size === 0) problems.push('AUTH_TOKENS must define at least one token when NODE_ENV=production');
  return tokens;
}
