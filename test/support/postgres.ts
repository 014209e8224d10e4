import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * PostgreSQL for tests. Suites that need it run when DATABASE_URL is set. Under CI=true a
 * missing DATABASE_URL or a server that does not answer fails the suite instead of skipping it.
 */
export const DATABASE_URL = process.env.DATABASE_URL;
const IN_CI = process.env.CI === 'true';

if (!DATABASE_URL && IN_CI) {
  throw new Error('CI=true but DATABASE_URL is not set: the PostgreSQL suites must run in CI');
}

/** `describe` when PostgreSQL is configured, otherwise a skipped block that says why. */
export const describePostgres: jest.Describe = DATABASE_URL
  ? describe
  : (((name: string, fn: () => void) => {
      // eslint-disable-next-line jest/no-disabled-tests
      describe.skip(`${name} (skipped: DATABASE_URL is not set)`, fn);
    }) as unknown as jest.Describe);

/** A schema of its own for one test file; dropped by `drop()`. */
export async function freshSchema(prefix = 'test'): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: DATABASE_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`cannot connect to PostgreSQL at DATABASE_URL (${DATABASE_URL}): ${(error as Error).message}`);
  }
  await client.end();
  return {
    schema,
    drop: async () => {
      const c = new pg.Client({ connectionString: DATABASE_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}
