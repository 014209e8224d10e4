import { createHash } from 'node:crypto';
import type { EvidenceBundle } from './evidence.js';
import { VERIFY_SCRIPT } from './verify-script.js';

export interface EvidenceFile {
  name: string;
  content: string;
}

const pretty = (value: unknown) => JSON.stringify(value, null, 2) + '\n';

const README = (bundle: EvidenceBundle) => `Evidence bundle of service order ${bundle.orderId}, generated ${bundle.generatedAt} by service-ledger.

Check it with Node.js (18 or newer) and nothing else:   node verify.mjs
It recomputes the SHA-256 of every file listed in manifest.json, every event's hash from its
canonical JSON and every stream's chain from revision 0, checks each priced line against the
rate-card version it cites and each relied credential against the engineer's events before the
dispatch, and adds the money up again against charge-trail.json and bill.json. Exit code 0 means
every check passed; it prints each failure with its stream and revision otherwise.

manifest.json              order, generation time, store position, SHA-256 of every other file
events.json                every event of the order and of its complaints, full envelopes with prevHash and hash
rate-cards.json            the rate-card versions the order's lines cited, as their own hashed events
engineer-credentials.json  the credentials each dispatch relied on, and the engineer's events before it
bill.json                  the electronic bill, derived from the events in events.json
charge-trail.json          every money event with its running totals per payer (integer fen)
charge-trail.csv           the same as CSV
verification.json          the service's own check of the chains, prices and credentials
verify.mjs                 the checker

The hash rule: hash = sha256(canonical JSON of {eventId, stream, revision, type, schemaVersion,
recordedAt, data, metadata, prevHash}); canonical JSON sorts object keys, has no white space and
allows only safe integers; prevHash of revision 0 is 64 zeros.
`;

/**
 * The bundle as the files of an export directory, manifest.json last: it lists every other file
 * with its SHA-256, so verify.mjs can tell an edited file from the exported one.
 */
export function evidenceFiles(bundle: EvidenceBundle): EvidenceFile[] {
  const files: EvidenceFile[] = [
    { name: 'events.json', content: pretty({ orderId: bundle.orderId, storePosition: bundle.storePosition, streams: bundle.streams }) },
    { name: 'rate-cards.json', content: pretty({ rateCards: bundle.rateCards }) },
    { name: 'engineer-credentials.json', content: pretty(bundle.engineerCredentials) },
    { name: 'bill.json', content: pretty(bundle.bill) },
    { name: 'charge-trail.json', content: pretty(bundle.chargeTrail) },
    { name: 'charge-trail.csv', content: bundle.chargeTrailCsv },
    { name: 'verification.json', content: pretty(bundle.verification) },
    { name: 'verify.mjs', content: VERIFY_SCRIPT },
    { name: 'README.txt', content: README(bundle) },
  ];
  const manifest = {
    format: bundle.format,
    orderId: bundle.orderId,
    generatedAt: bundle.generatedAt,
    storePosition: bundle.storePosition,
    verified: bundle.verification.ok,
    files: files.map((f) => ({ name: f.name, bytes: Buffer.byteLength(f.content), sha256: createHash('sha256').update(f.content).digest('hex') })),
  };
  return [...files, { name: 'manifest.json', content: pretty(manifest) }];
}
