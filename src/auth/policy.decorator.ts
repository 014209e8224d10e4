import { SetMetadata } from '@nestjs/common';
import type { Role } from '../event-store/envelope.js';

export const POLICY = 'service-ledger:policy';

export type Policy = { public: true } | { public: false; roles: readonly Role[] };

/**
 * Every route states who may call it; the guard refuses any route without a policy. `admin` may
 * call everything and is added to every list.
 */
export const Allow = (...roles: Role[]) => SetMetadata(POLICY, { public: false, roles: [...new Set<Role>([...roles, 'admin'])] } satisfies Policy);

/** No token needed (health, metrics, docs). */
export const Public = () => SetMetadata(POLICY, { public: true } satisfies Policy);
