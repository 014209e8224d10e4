import { historyCommand } from '../../src/cli/history.command.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { startTestApp, type TestApp, type TestStore } from '../support/app.js';
import { DATABASE_URL } from '../support/postgres.js';
import { client, orderBody, seedWorld } from '../support/scenario.js';
import { CLI_ACTOR, runCli } from './cli-env.js';

const stores: TestStore[] = DATABASE_URL ? ['embedded', 'postgres'] : ['embedded'];

describe.each(stores)('service-ledger history (%s store)', (store) => {
  let t: TestApp;
  let api: ReturnType<typeof client>;
  const history = (...args: string[]) => runCli(t, historyCommand, ['history', ...args]);

  beforeAll(async () => {
    t = await startTestApp(store);
    api = client(t);
    await seedWorld(t);
    // Quoted at 09:10, accepted at 09:20, dispatched at 09:30, a complaint with compensation at 09:40.
    await api.post('/orders', 'agent', orderBody('o-cli')).expect(201);
    t.clock.set('2026-05-04T09:10:00.000Z');
    await api.post('/orders/o-cli/quote', 'agent', { lines: [{ code: 'LAB-DIAG', quantity: 1 }, { code: 'CAP-35UF', quantity: 1 }] }).expect(201);
    t.clock.set('2026-05-04T09:20:00.000Z');
    await api.post('/orders/o-cli/quote/accept', 'customer', { quoteRevision: 1 }).expect(200);
    t.clock.set('2026-05-04T09:30:00.000Z');
    await api.post('/orders/o-cli/dispatch', 'agent', { engineerId: 'demo-engineer' }).expect(200);
    t.clock.set('2026-05-04T09:40:00.000Z');
    await api.post('/complaints', 'agent', { complaintId: 'c-cli', orderId: 'o-cli', category: 'no_show', description: 'nobody came' }).expect(201);
    await api.post('/complaints/c-cli/compensate', 'agent', { amountFen: 800, reason: 'waited in vain' }, 'cc-1').expect(200);
    t.clock.set('2026-05-04T10:00:00.000Z');
  });
  afterAll(async () => {
    await t.close();
  });

  it("prints the timeline of the order and its complaint, with actors, facts and money, and the state now", async () => {
    const out = await history('--order', 'o-cli');
    expect(out.exitCode).toBe(0);
    const text = out.stdout;
    expect(text).toMatch(/^Order o-cli: 7 events \(order and complaints\)\n/);
    expect(text).toContain('2026-05-04T09:10:00.000Z  QuoteIssued  by demo-agent (agent)  [order-o-cli@1');
    expect(text).toContain('quote r1: LAB-DIAG x1 = 5000 fen (customer, card midea.air_conditioner.ALL v1); CAP-35UF x1 = 4500 fen (customer, card midea.air_conditioner.ALL v1); customer total 9500 fen');
    expect(text).toContain('2026-05-04T09:20:00.000Z  QuoteAccepted  by demo-customer (customer)');
    expect(text).toContain('engineer demo-engineer (air_conditioner), policy enforce, relied on real_name [platform real_name-platform-1, brand real_name-brand-1]');
    expect(text).toContain('CompensationPaid  by demo-agent (agent)  [complaint-c-cli@1');
    expect(text).toContain('money (fen): customer 0 · brand 0 · platform 0 | paid 0 · refunded 0 · compensated 800 | balance 0 | consent 9500');
    expect(text).toContain('State now:\n  status        dispatched');
    expect(text).toContain('  consent       r1 up to 9500 fen');
    expect(text).toContain('  complaints    c-cli');
  });

  it('replays as of an earlier instant: only what had happened by then, and the state then', async () => {
    const out = await history('--order', 'o-cli', '--as-of', '2026-05-04T09:15:00+00:00', '--reason', 'dispute 7');
    expect(out.stdout).toMatch(/^Order o-cli as of 2026-05-04T09:15:00.000Z: 2 events/);
    expect(out.stdout).not.toContain('QuoteAccepted');
    expect(out.stdout).toContain('State at 2026-05-04T09:15:00.000Z:\n  status        created');
    expect(out.stdout).toContain('  consent       none');
    expect(out.stdout).toContain('  engineer      none');
  });

  it('prints with --json what the history route answers, plus the timeline', async () => {
    const out = await history('--order', 'o-cli', '--as-of', '2026-05-04T09:25:00Z', '--json');
    const report = JSON.parse(out.stdout);
    const http = await api.get('/orders/o-cli/history?asOf=2026-05-04T09:25:00Z', 'compliance').expect(200);
    const { timeline, ...rest } = report;
    expect(rest).toEqual(http.body);
    expect(timeline.map((e: { type: string }) => e.type)).toEqual(['OrderCreated', 'QuoteIssued', 'QuoteAccepted']);
    expect(timeline[2]).toMatchObject({ actor: { id: 'demo-customer', role: 'customer' }, money: true, totals: { consentCeilingFen: 9500, customerBalanceFen: 0 } });
    expect(timeline[0]).toMatchObject({ money: false, totals: null });
  });

  it('records each read in the read audit as the CLI actor, with as-of and reason', async () => {
    const reads = await t.app.get<EventStore>(EVENT_STORE).readStream('read-audit-o-cli');
    const cli = reads.filter((e) => e.metadata.actor.id === CLI_ACTOR.id);
    expect(cli.map((e) => e.data)).toEqual([
      { orderId: 'o-cli', what: 'history', channel: 'cli' },
      { orderId: 'o-cli', what: 'history', channel: 'cli', asOf: '2026-05-04T09:15:00.000Z', reason: 'dispute 7' },
      { orderId: 'o-cli', what: 'history', channel: 'cli', asOf: '2026-05-04T09:25:00.000Z' },
    ]);
    expect(cli[1]!.metadata).toMatchObject({ actor: CLI_ACTOR, reason: 'dispute 7' });
  });

  it('exits 1 with a clear message for an unknown order, recording nothing; bad options are usage errors (exit 2)', async () => {
    const head = await api.head();
    const out = await history('--order', 'nope');
    expect(out).toEqual({ stdout: '', stderr: 'service-ledger: order nope was not found\n', exitCode: 1 });
    expect(await api.head()).toBe(head);
    await expect(history('--order', 'o-cli', '--as-of', 'yesterday')).rejects.toThrow(new UsageError('--as-of must be an ISO-8601 instant with a time zone, e.g. 2026-05-04T10:00:00Z (got "yesterday")'));
    await expect(history('--order', 'o-cli', '--as-of', '2026-05-04T09:15:00')).rejects.toThrow(UsageError);
    await expect(history()).rejects.toThrow('--order <id> is required');
    await expect(history('--order', 'o cli')).rejects.toThrow(UsageError);
    await expect(history('--order', 'o-cli', '--reason', ' ')).rejects.toThrow('--reason must not be blank');
    expect(await api.head()).toBe(head);
  });
});
