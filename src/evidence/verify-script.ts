/**
 * verify.mjs, written into every exported evidence bundle: a third party rechecks the bundle
 * with the exported files and Node alone (node:crypto, no project code, no network). It is an
 * independent implementation of the ledger's hash rule (canonical JSON, SHA-256, per-stream
 * chain), of rule 2 (prices from the cited rate-card version) and rule 1 (credentials verified
 * before the dispatch), and of the money totals, so it does not trust the service's own verdict.
 */
export const VERIFY_SCRIPT = String.raw`#!/usr/bin/env node
// Rechecks a service-ledger evidence bundle with the exported files alone (Node 18 or newer,
// node:crypto only): run "node verify.mjs" in the bundle directory, or "node verify.mjs DIR".
// Exit code 0: every check passed; 1: a check failed (each failure is printed); 2: unreadable bundle.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = process.argv[2] || fileURLToPath(new URL('.', import.meta.url));
const GENESIS = '0'.repeat(64);
const failures = [];
const say = (line) => process.stdout.write(line + '\n');
const fail = (line) => {
  failures.push(line);
  say('FAIL ' + line);
};

function read(name) {
  try {
    return readFileSync(join(dir, name));
  } catch (error) {
    process.stderr.write('verify.mjs: cannot read ' + name + ' in ' + dir + ': ' + error.message + '\n');
    process.exit(2);
  }
}
const json = (name) => JSON.parse(read(name).toString('utf8'));
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

// Canonical JSON, as the ledger hashes it: object keys sorted by UTF-16 code units, no white
// space, undefined members dropped, only safe integers as numbers.
function canonical(value) {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error('not a safe integer: ' + value);
    return String(value);
  }
  if (Array.isArray(value)) return '[' + value.map((v) => (v === undefined ? 'null' : canonical(v))).join(',') + ']';
  if (typeof value === 'object') {
    const members = [];
    for (const key of Object.keys(value).sort()) {
      if (value[key] !== undefined) members.push(JSON.stringify(key) + ':' + canonical(value[key]));
    }
    return '{' + members.join(',') + '}';
  }
  throw new Error('cannot encode a ' + typeof value);
}

// hash = sha256(canonical JSON of these fields); prevHash of revision 0 is 64 zeros.
function eventHash(e) {
  const { eventId, stream, revision, type, schemaVersion, recordedAt, data, metadata, prevHash } = e;
  return sha256(canonical({ eventId, stream, revision, type, schemaVersion, recordedAt, data, metadata, prevHash }));
}

// 1. Every file the manifest lists is the file that was exported.
const manifest = json('manifest.json');
say('evidence bundle of order ' + manifest.orderId + ', generated ' + manifest.generatedAt + ', store position ' + manifest.storePosition);
for (const file of manifest.files) {
  if (!/^[A-Za-z0-9._-]+$/.test(file.name)) {
    fail('manifest.json lists an odd file name: ' + JSON.stringify(file.name));
    continue;
  }
  const actual = sha256(read(file.name));
  if (actual !== file.sha256) fail(file.name + ': SHA-256 is ' + actual + ', the manifest says ' + file.sha256 + ' (the file was changed)');
}
if (failures.length === 0) say('ok   ' + manifest.files.length + ' files match the SHA-256 in manifest.json');

// 2. Every stream's hash chain, recomputed from revision 0.
const events = json('events.json');
const rateCards = json('rate-cards.json');
const credentials = json('engineer-credentials.json');
const streams = [...events.streams, ...rateCards.rateCards, ...credentials.engineers];
const heads = new Map();
for (const s of streams) {
  let prevHash = GENESIS;
  let broken = null;
  s.events.forEach((e, i) => {
    if (broken) return;
    const at = 'stream ' + s.stream + ' revision ' + e.revision + ' (' + e.type + ', event ' + e.eventId + '): ';
    if (e.stream !== s.stream) broken = at + 'belongs to stream ' + e.stream;
    else if (e.revision !== i) broken = 'stream ' + s.stream + ' revision ' + i + ': missing (found revision ' + e.revision + ')';
    else if (e.prevHash !== prevHash) broken = at + 'prevHash does not link to revision ' + (i - 1);
    else {
      let hash;
      try {
        hash = eventHash(e);
      } catch (error) {
        broken = at + error.message;
        return;
      }
      if (hash !== e.hash) broken = at + 'content no longer matches its hash (recomputed ' + hash + ', recorded ' + e.hash + ')';
      else prevHash = e.hash;
    }
  });
  if (broken) fail(broken);
  else {
    heads.set(s.stream, prevHash);
    say('ok   stream ' + s.stream + ': ' + s.events.length + (s.events.length === 1 ? ' event' : ' events') + ', chain intact, head ' + prevHash);
  }
}

// 3. The service's own verdict names the same heads.
const verification = json('verification.json');
for (const v of verification.streams) {
  if (v.ok && heads.has(v.stream) && heads.get(v.stream) !== v.headHash) fail('verification.json: head of ' + v.stream + ' is ' + v.headHash + ', recomputed ' + heads.get(v.stream));
  if (!v.ok) fail('verification.json: the service found stream ' + v.stream + ' broken at revision ' + v.revision + ': ' + v.message);
}

// 4. Each priced line against the rate-card version it cites (rule 2: rate card only).
const cards = new Map();
for (const card of rateCards.rateCards) for (const e of card.events) cards.set(e.data.rateCardId + ' v' + e.data.version, e.data);
const orderStream = events.streams[0];
let lines = 0;
for (const e of orderStream.events) {
  const priced = e.type === 'QuoteIssued' ? e.data.lines : e.type === 'PartUsed' || e.type === 'ChargeAdded' ? [e.data] : [];
  priced.forEach((line, i) => {
    lines++;
    const at = 'stream ' + e.stream + ' revision ' + e.revision + ' (' + e.type + ' ' + (line.lineId || 'line ' + (i + 1)) + '): ';
    const ref = line.rateCard.rateCardId + ' v' + line.rateCard.version;
    const card = cards.get(ref);
    const item = card && card.items.find((it) => it.code === line.rateCard.itemCode);
    if (!item) fail(at + 'rate card ' + ref + ' item ' + line.rateCard.itemCode + ' is not in rate-cards.json');
    else {
      for (const f of ['code', 'name', 'kind', 'unit', 'unitPriceFen']) {
        if (line[f] !== item[f]) fail(at + f + ' ' + JSON.stringify(line[f]) + ' differs from ' + JSON.stringify(item[f]) + ' on ' + ref);
      }
      if (Date.parse(card.effectiveFrom) > Date.parse(e.recordedAt)) fail(at + ref + ' took effect after the line was recorded');
    }
    if (line.amountFen !== line.unitPriceFen * line.quantity) fail(at + 'amountFen ' + line.amountFen + ' is not ' + line.unitPriceFen + ' x ' + line.quantity);
  });
}
say('     ' + lines + ' priced lines checked against their rate-card versions');

// 5. Each credential a dispatch relied on was verified in the engineer's stream before it, and valid then (rule 1).
let relied = 0;
for (const d of credentials.dispatches) {
  const engineer = credentials.engineers.find((x) => x.stream === d.engineerStream);
  const before = engineer ? engineer.events.filter((e) => BigInt(e.position) < BigInt(d.position)) : [];
  for (const c of d.credentials) {
    for (const v of c.verifications) {
      relied++;
      const found = before.some(
        (e) =>
          e.type === 'CredentialVerified' &&
          e.data.kind === c.kind &&
          (e.data.category || null) === (c.category || null) &&
          e.data.verifiedBy === v.verifiedBy &&
          e.data.certificateNo === v.certificateNo &&
          e.data.validFrom === v.validFrom &&
          e.data.validUntil === v.validUntil,
      );
      const at = 'dispatch ' + d.stream + ' revision ' + d.revision + ': ' + c.kind + ' verified by ' + v.verifiedBy + ' (' + v.certificateNo + ') ';
      if (!found) fail(at + 'has no CredentialVerified in ' + d.engineerStream + ' before the dispatch');
      else if (!(Date.parse(v.validFrom) <= Date.parse(d.at) && Date.parse(d.at) < Date.parse(v.validUntil))) fail(at + 'was not valid at ' + d.at);
    }
  }
}
say('     ' + relied + ' relied credential verifications checked against the engineer streams');

// 6. The money, added up again from the events: the charge trail's and the bill's totals.
const complaintEvents = events.streams.slice(1).flatMap((s) => s.events);
const money = { customer: 0, brand: 0, platform: 0, paid: 0, refunded: 0, compensated: 0 };
const lineAmounts = new Map();
const all = [...orderStream.events, ...complaintEvents].sort((a, b) => (BigInt(a.position) < BigInt(b.position) ? -1 : 1));
for (const e of all) {
  const d = e.data;
  if (e.type === 'PartUsed' || e.type === 'ChargeAdded') {
    money[d.payer] += d.amountFen;
    lineAmounts.set(d.lineId, d);
  } else if (e.type === 'LineVoided' && lineAmounts.has(d.lineId)) money[lineAmounts.get(d.lineId).payer] -= lineAmounts.get(d.lineId).amountFen;
  else if (e.type === 'PaymentRecorded') money.paid += d.amountFen;
  else if (e.type === 'RefundRecorded') money.refunded += d.amountFen;
  else if (e.type === 'CompensationPaid') money.compensated += d.amountFen;
}
const byId = new Map(all.map((e) => [e.eventId, e]));
const trail = json('charge-trail.json');
for (const entry of trail.entries) {
  const e = byId.get(entry.eventId);
  if (!e || canonical(e.data) !== canonical(entry.data)) fail('charge-trail.json: entry ' + entry.eventId + ' (' + entry.type + ') does not match an exported event');
}
const totals = trail.totals || { chargesFen: { customer: 0, brand: 0, platform: 0 }, paidFen: 0, refundedFen: 0, compensatedFen: 0 };
const bill = json('bill.json');
const expect = [
  ['customer charges', money.customer, totals.chargesFen.customer, bill.customerChargesFen],
  ['brand charges', money.brand, totals.chargesFen.brand, bill.brandChargesFen],
  ['platform charges', money.platform, totals.chargesFen.platform, bill.platformChargesFen],
  ['paid', money.paid, totals.paidFen, bill.paidFen],
  ['refunded', money.refunded, totals.refundedFen, bill.refundedFen],
  ['compensated', money.compensated, totals.compensatedFen, bill.compensatedFen],
];
for (const [what, events_, trailSays, billSays] of expect) {
  if (trailSays !== events_ || billSays !== events_) fail(what + ': the events add up to ' + events_ + ' fen, charge-trail.json says ' + trailSays + ', bill.json says ' + billSays);
}
say('     money per payer added up from the events: ' + expect.map(([w, n]) => w + ' ' + n).join(', ') + ' (fen)');

if (failures.length > 0) {
  say('FAILED: ' + failures.length + ' problem(s); this bundle is not what the ledger recorded');
  process.exit(1);
}
say('OK: every hash, chain, price, credential and total checks out');
`;
