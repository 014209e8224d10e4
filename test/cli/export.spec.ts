import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportCommand } from '../../src/cli/export.command.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { startTestApp, type TestApp, type TestStore } from '../support/app.js';
import { DATABASE_URL } from '../support/postgres.js';
import { client, seedWorld } from '../support/scenario.js';
import { evidenceOrder } from '../e2e/evidence-order.js';
import { CLI_ACTOR, runCli } from './cli-env.js';

const stores: TestStore[] = DATABASE_URL ? ['embedded', 'postgres'] : ['embedded'];

/** `node verify.mjs` run inside the export directory, as a third party would. */
const verify = (dir: string) => spawnSync(process.execPath, ['verify.mjs'], { cwd: dir, encoding: 'utf8' });

describe.each(stores)('service-ledger export (%s store)', (store) => {
  let t: TestApp;
  let api: ReturnType<typeof client>;
  let tmp: string;
  const exportOrder = (...args: string[]) => runCli(t, exportCommand, ['export', ...args]);

  beforeAll(async () => {
    t = await startTestApp(store);
    api = client(t);
    tmp = mkdtempSync(join(tmpdir(), 'service-ledger-export-'));
    await seedWorld(t);
    await evidenceOrder(t, 'o-x', 'c-x');
  });
  afterAll(async () => {
    await t.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('writes the bundle as files with a manifest of their SHA-256, and verify.mjs passes on them', async () => {
    const out = join(tmp, 'fresh');
    const res = await exportOrder('--order', 'o-x', '--out', out, '--reason', 'court request 2026-17');
    expect(res.exitCode).toBe(0);
    expect(res.stdout).toContain('exported order o-x: 16 events in 2 streams, 1 rate cards, 1 dispatches');
    expect(res.stdout).toContain('verification: ok');
    expect(readdirSync(out).sort()).toEqual([
      'README.txt', 'bill.json', 'charge-trail.csv', 'charge-trail.json', 'engineer-credentials.json', 'events.json', 'manifest.json', 'rate-cards.json', 'verification.json', 'verify.mjs',
    ]);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'service-ledger-evidence/1', orderId: 'o-x', generatedAt: t.clock.now(), verified: true });
    for (const file of manifest.files) expect(createHash('sha256').update(readFileSync(join(out, file.name))).digest('hex')).toBe(file.sha256);

    const http = (await api.get('/orders/o-x/evidence', 'compliance').expect(200)).body;
    expect(JSON.parse(readFileSync(join(out, 'events.json'), 'utf8')).streams).toEqual(http.streams);
    expect(readFileSync(join(out, 'charge-trail.csv'), 'utf8')).toBe(http.chargeTrailCsv);

    const checked = verify(out);
    expect(checked.stderr).toBe('');
    expect(checked.stdout).toContain('ok   9 files match the SHA-256 in manifest.json');
    expect(checked.stdout).toContain('ok   stream order-o-x: 13 events, chain intact');
    expect(checked.stdout).toContain('ok   stream engineer-demo-engineer: 9 events, chain intact');
    expect(checked.stdout).toContain('5 priced lines checked');
    expect(checked.stdout).toContain('8 relied credential verifications checked');
    expect(checked.stdout).toMatch(/OK: every hash, chain, price, credential and total checks out\n$/);
    expect(checked.status).toBe(0);
  });

  it("fails verify.mjs, naming the stream and revision, once an exported event's amount is edited", async () => {
    const out = join(tmp, 'tampered');
    await exportOrder('--order', 'o-x', '--out', out);
    const file = join(out, 'events.json');
    const events = JSON.parse(readFileSync(file, 'utf8'));
    const part = events.streams[0].events.find((e: { type: string }) => e.type === 'PartUsed');
    part.data.amountFen = 450;
    writeFileSync(file, JSON.stringify(events, null, 2) + '\n');

    const checked = verify(out);
    expect(checked.status).toBe(1);
    expect(checked.stdout).toContain('FAIL events.json: SHA-256 is');
    expect(checked.stdout).toContain(`FAIL stream order-o-x revision ${part.revision} (PartUsed, event ${part.eventId}): content no longer matches its hash`);
    expect(checked.stdout).toContain(`FAIL stream order-o-x revision ${part.revision} (PartUsed L2): amountFen 450 is not 4500 x 1`);
    expect(checked.stdout).toMatch(/FAILED: \d+ problem\(s\); this bundle is not what the ledger recorded\n$/);

    // Recomputing the file's SHA-256 into the manifest does not help: the chain still breaks.
    const manifestFile = join(out, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    manifest.files.find((f: { name: string }) => f.name === 'events.json').sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const again = verify(out);
    expect(again.status).toBe(1);
    expect(again.stdout).toContain('ok   9 files match');
    expect(again.stdout).toContain(`FAIL stream order-o-x revision ${part.revision} (PartUsed, event ${part.eventId}): content no longer matches its hash`);
  });

  it('records the export in the read audit as the CLI actor with its reason', async () => {
    const reads = await t.app.get<EventStore>(EVENT_STORE).readStream('read-audit-o-x');
    const exports = reads.filter((e) => (e.data as { what: string }).what === 'export');
    expect(exports.map((e) => [e.metadata.actor, e.data])).toEqual([
      [CLI_ACTOR, { orderId: 'o-x', what: 'export', channel: 'cli', reason: 'court request 2026-17' }],
      [CLI_ACTOR, { orderId: 'o-x', what: 'export', channel: 'cli' }],
    ]);
  });

  it('never writes into a non-empty directory (usage error, exit 2), and exits 1 for an unknown order, recording nothing', async () => {
    const full = join(tmp, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'keep.txt'), 'mine');
    const head = await api.head();
    await expect(exportOrder('--order', 'o-x', '--out', full)).rejects.toThrow(UsageError);
    expect(readdirSync(full)).toEqual(['keep.txt']);
    await expect(exportOrder('--order', 'o-x', '--out', join(full, 'keep.txt'))).rejects.toThrow(UsageError);
    await expect(exportOrder('--order', 'o-x')).rejects.toThrow('--out <dir> is required');

    const missing = join(tmp, 'missing');
    const res = await exportOrder('--order', 'nope', '--out', missing);
    expect(res).toEqual({ stdout: '', stderr: 'service-ledger: order nope was not found\n', exitCode: 1 });
    expect(() => readdirSync(missing)).toThrow();
    expect(await api.head()).toBe(head);

    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    expect((await exportOrder('--order', 'o-x', '--out', empty)).exitCode).toBe(0);
  });
});
