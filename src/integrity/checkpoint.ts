import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { canonicalJson } from '../event-store/canonical.js';
import type { Decider } from '../shared/decider.js';
import type { CheckpointView, Discrepancy, StreamHead } from './ledger-audit.js';

export const CHECKPOINT_FORMAT = 'service-ledger-checkpoint/1';

/**
 * What a checkpoint states about the ledger at one position: how many events and streams it held
 * and a digest over every stream's head (stream, last revision, that event's hash) at that
 * position. Per-stream hash chains show edits and gaps; only a statement kept outside the store
 * shows that the newest events of a stream were cut off.
 */
export interface CheckpointStatement {
  format: typeof CHECKPOINT_FORMAT;
  /** Global position (decimal string) the statement covers: every event at or before it. */
  position: string;
  events: number;
  streams: number;
  /** SHA-256 over the heads, one line `stream TAB revision TAB hash LF` each, streams in code-unit order. */
  headsSha256: string;
  createdAt: string;
  /** SHA-256 (hex) of the public key in DER (SPKI) form: which key signed. */
  keyId: string;
}

/** The file kept for safekeeping: the statement, its Ed25519 signature, the public key and the heads. */
export interface CheckpointFile {
  statement: CheckpointStatement;
  /** Base64 Ed25519 signature over the canonical JSON of the statement. */
  signature: string;
  publicKeyPem: string;
  /** [stream, revision, hash] for every stream, in the order the digest covers them. */
  heads: Array<[string, number, string]>;
}

export class CheckpointError extends Error {}

export function sortedHeads(heads: Map<string, StreamHead>): Array<[string, number, string]> {
  return [...heads.keys()].sort().map((stream) => {
    const head = heads.get(stream)!;
    return [stream, head.revision, head.hash];
  });
}

export function headsDigest(heads: Iterable<readonly [string, number, string]>): string {
  const hash = createHash('sha256');
  for (const [stream, revision, eventHash] of heads) hash.update(`${stream}\t${revision}\t${eventHash}\n`);
  return hash.digest('hex');
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** An Ed25519 private key from PEM (PKCS#8); throws CheckpointError saying what is wrong. */
export function signingKey(privateKeyPem: string): KeyObject {
  const privateKey = parseKey(() => createPrivateKey(privateKeyPem), 'the private key is not a PEM key');
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new CheckpointError(`the private key is ${privateKey.asymmetricKeyType}, not Ed25519`);
  return privateKey;
}

/** Signs the heads at `position` with an Ed25519 private key (PEM, PKCS#8). */
export function signCheckpoint(
  input: { position: bigint; events: number; heads: Map<string, StreamHead>; createdAt: string },
  privateKeyPem: string,
): CheckpointFile {
  const privateKey = signingKey(privateKeyPem);
  const publicKey = createPublicKey(privateKey);
  const heads = sortedHeads(input.heads);
  const statement: CheckpointStatement = {
    format: CHECKPOINT_FORMAT,
    position: input.position.toString(),
    events: input.events,
    streams: heads.length,
    headsSha256: headsDigest(heads),
    createdAt: input.createdAt,
    keyId: keyIdOf(publicKey),
  };
  const signature = sign(null, Buffer.from(canonicalJson(statement)), privateKey).toString('base64');
  return { statement, signature, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), heads };
}

/**
 * Checks a checkpoint file on its own: well formed, signed by the key it names (or by `trustedKeyPem`
 * when given: a key taken from the file proves only that the file is self-consistent), and its
 * heads are the ones the signed digest covers. Throws CheckpointError saying what is wrong.
 */
export function openCheckpoint(text: string, trustedKeyPem?: string): CheckpointFile & { positionValue: bigint } {
  let file: CheckpointFile;
  try {
    file = JSON.parse(text) as CheckpointFile;
  } catch {
    throw new CheckpointError('the checkpoint file is not JSON');
  }
  const statement = file?.statement;
  if (statement?.format !== CHECKPOINT_FORMAT || typeof file.signature !== 'string' || typeof file.publicKeyPem !== 'string' || !Array.isArray(file.heads)) {
    throw new CheckpointError(`the checkpoint file is not a ${CHECKPOINT_FORMAT} file`);
  }
  if (typeof statement.position !== 'string' || !/^\d+$/.test(statement.position)) throw new CheckpointError('the checkpoint position is not a whole number');
  const publicKey = parseKey(() => createPublicKey(trustedKeyPem ?? file.publicKeyPem), 'the public key is not a PEM key');
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new CheckpointError(`the public key is ${publicKey.asymmetricKeyType}, not Ed25519`);
  if (keyIdOf(publicKey) !== statement.keyId) {
    throw new CheckpointError(`the checkpoint was signed with key ${statement.keyId}, not with the trusted key ${keyIdOf(publicKey)}`);
  }
  if (!verify(null, Buffer.from(canonicalJson(statement)), publicKey, Buffer.from(file.signature, 'base64'))) {
    throw new CheckpointError('the checkpoint signature does not verify: the statement was altered or signed by another key');
  }
  if (headsDigest(file.heads) !== statement.headsSha256 || file.heads.length !== statement.streams) {
    throw new CheckpointError('the heads in the checkpoint file do not match its signed digest: the file was altered');
  }
  return { ...file, positionValue: BigInt(statement.position) };
}

function parseKey(load: () => KeyObject, message: string): KeyObject {
  try {
    return load();
  } catch {
    throw new CheckpointError(message);
  }
}

/**
 * The ledger against a checkpoint: every stream's head at the checkpoint position must be exactly
 * the signed one. A stream behind its signed head lost its newest events; a stream ahead of it,
 * or a stream the checkpoint does not know, gained events dated at or before the checkpoint.
 */
export function compareWithCheckpoint(checkpoint: CheckpointFile & { positionValue: bigint }, audit: CheckpointView): Discrepancy[] {
  const found: Discrepancy[] = [];
  const actual = audit.headsAtCheckpoint();
  const signed = new Set<string>();
  const at = checkpoint.statement.position;
  for (const [stream, revision, hash] of checkpoint.heads) {
    signed.add(stream);
    const head = actual.get(stream);
    if (!head) {
      found.push({
        kind: 'checkpoint_head_missing',
        stream,
        revision: 0,
        message: `the checkpoint at position ${at} covers revisions 0..${revision}; the store holds none of them`,
      });
    } else if (head.revision < revision) {
      found.push({
        kind: 'checkpoint_head_behind',
        stream,
        revision: head.revision + 1,
        message: `the checkpoint at position ${at} covers revisions up to ${revision}; the store ends at ${head.revision}: revisions ${head.revision + 1}..${revision} were removed`,
      });
    } else if (head.revision > revision) {
      found.push({
        kind: 'not_in_checkpoint',
        stream,
        revision: revision + 1,
        message: `the store holds revisions ${revision + 1}..${head.revision} at or before position ${at}, after the checkpoint's head ${revision}: events were inserted`,
      });
    } else if (head.hash !== hash) {
      found.push({
        kind: 'checkpoint_head_differs',
        stream,
        revision,
        message: `revision ${revision} is not the event the checkpoint signed (hash ${hash.slice(0, 12)}…, stored ${head.hash.slice(0, 12)}…)`,
      });
    }
  }
  for (const [stream, head] of actual) {
    if (signed.has(stream)) continue;
    found.push({
      kind: 'not_in_checkpoint',
      stream,
      revision: 0,
      message: `the stream holds revisions 0..${head.revision} at or before position ${at}, but the checkpoint does not know it: events were inserted`,
    });
  }
  if (found.length === 0 && audit.eventsAtCheckpoint !== checkpoint.statement.events) {
    found.push({
      kind: 'checkpoint_event_count',
      message: `the checkpoint counted ${checkpoint.statement.events} events at or before position ${at}; the store holds ${audit.eventsAtCheckpoint}`,
    });
  }
  return found;
}

/** The stream where signed checkpoints are recorded, and their event. */
export const CHECKPOINT_STREAM = 'ledger-checkpoints';
export type CheckpointSigned = {
  type: 'LedgerCheckpointSigned';
  /** The statement and its signature; the heads stay in the file. */
  data: Pick<CheckpointFile, 'statement' | 'signature' | 'publicKeyPem'>;
};
export type RecordCheckpoint = { type: 'RecordCheckpoint'; data: CheckpointSigned['data'] };

/** Recording a signed checkpoint is a fact, never refused. */
export const checkpointDecider: Decider<null, RecordCheckpoint, CheckpointSigned> = {
  initialState: null,
  decide: (command) => [{ type: 'LedgerCheckpointSigned', data: command.data }],
  evolve: () => null,
};
