import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { openTestLedger, simulateInto, type TestLedger } from '../support/ledger.js';
import { describePostgres } from '../support/postgres.js';
import type { TestStore } from '../support/app.js';

/** The `sql` blocks of the README's "Example queries": the documentation analysts copy from. */
function exampleQueries(): string[] {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('### Example queries'), readme.indexOf('### Tables'));
  return [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!.trim().replace(/;$/, ''));
}

function suite(kind: TestStore) {
  let ledger: TestLedger;
  beforeAll(async () => {
    ledger = await openTestLedger(kind);
    await simulateInto(ledger, { orders: 120, seed: 3 });
    await ledger.readModels.rebuild(ledger.store, ledger.readModels.projections.map((p) => p.name));
  });
  afterAll(async () => {
    await ledger.close();
  });

  it('has example queries to run', () => {
    expect(exampleQueries().length).toBeGreaterThanOrEqual(4);
  });

  it.each(exampleQueries().map((q) => [q.split('\n')[0]!, q]))('runs %s and returns rows', async (_title, query) => {
    const result = await sql.raw(query).execute(ledger.readModels.db);
    expect(result.rows.length).toBeGreaterThan(0);
  });

  it('gives the revenue per brand and month that the bills add up to', async () => {
    const [revenue] = exampleQueries();
    const rows = (await sql.raw<{ net_paid_yuan: unknown; orders: unknown }>(revenue!).execute(ledger.readModels.db)).rows;
    expect(rows.reduce((n, r) => n + Number(r.orders), 0)).toBe(120);
    const months = rows.map((r) => (r as unknown as { month: string }).month);
    expect(months.every((m) => /^\d{4}-\d{2}$/.test(m))).toBe(true);
  });
}

describe('the README example queries on SQLite', () => suite('embedded'));
describePostgres('the README example queries on PostgreSQL', () => suite('postgres'));
