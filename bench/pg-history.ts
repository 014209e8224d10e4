import pg from 'pg';

/** Whether a kept schema already holds a ledger with events (the benches' `--pg-schema`: reuse it). */
export async function pgHasEvents(connectionString: string, schema: string): Promise<boolean> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const found = await client.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [`${schema}.events`]);
    return found.rows[0].present === true && (await client.query(`SELECT 1 FROM ${schema}.events LIMIT 1`)).rowCount === 1;
  } finally {
    await client.end();
  }
}
