import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from '../config/config.js';
import { openEventStore } from '../event-store/open-event-store.js';
import { SystemClock } from '../shared/clock.js';
import { checkStoredHashes, keepsCanonicalText } from './stored-hash.js';

/** A hash-checking worker (see HashWorkers): opens the store and checks the ranges it is sent. */
const config = loadConfig((workerData as { env: NodeJS.ProcessEnv }).env);
const store = await openEventStore(config, new SystemClock());
const canonicalText = keepsCanonicalText(store.kind);

parentPort!.on('message', (m: { id: number; from: string; count: number }) => {
  store
    .readAllStored({ fromPosition: BigInt(m.from), maxCount: m.count })
    .then((events) => parentPort!.postMessage({ id: m.id, result: checkStoredHashes(events, canonicalText) }))
    .catch((error: unknown) => parentPort!.postMessage({ id: m.id, error: error instanceof Error ? error.message : String(error) }));
});
