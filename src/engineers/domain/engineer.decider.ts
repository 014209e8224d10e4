import type { Actor } from '../../event-store/envelope.js';
import { assertNever, type Decider } from '../../shared/decider.js';
import { NotFound, RuleViolation, ValidationFailed } from '../../shared/domain-error.js';
import { isAtOrBefore, isBefore } from '../../shared/time.js';
import {
  type CredentialKind,
  type CredentialVerified,
  type EngineerEvent,
  type EngineerRegistered,
  type VerifyingParty,
} from './engineer.events.js';

export interface Verification {
  verifiedBy: VerifyingParty;
  certificateNo: string;
  validFrom: string;
  validUntil: string;
}

export interface CredentialState {
  kind: CredentialKind;
  category?: string;
  verifications: Verification[];
  /** Set by a revocation; verifications recorded after it count again. */
  revoked?: { reason: string };
}

export type EngineerState =
  | { status: 'unregistered' }
  | (EngineerRegistered['data'] & {
      status: 'active' | 'suspended';
      /** Keyed by kind, or `skill:<category>` for skills. */
      credentials: Record<string, CredentialState>;
      suspensionReason?: string;
    });

export type EngineerCommand =
  | { type: 'RegisterEngineer'; data: EngineerRegistered['data'] }
  | { type: 'VerifyCredential'; data: CredentialVerified['data'] }
  | { type: 'RevokeCredential'; data: { engineerId: string; kind: CredentialKind; category?: string; reason: string } }
  | { type: 'SuspendEngineer'; data: { engineerId: string; reason: string }; actor: Actor }
  | { type: 'ReinstateEngineer'; data: { engineerId: string; reason: string }; actor: Actor };

export const credentialKey = (kind: CredentialKind, category?: string) => (kind === 'skill' ? `skill:${category}` : kind);

/** The credentials every dispatch needs besides the skill for the order's category. */
export const BASE_CREDENTIALS = ['real_name', 'safety', 'health'] as const;

export const engineerDecider: Decider<EngineerState, EngineerCommand, EngineerEvent> = {
  initialState: { status: 'unregistered' },

  decide(command, state) {
    if (command.type === 'RegisterEngineer') {
      if (state.status !== 'unregistered') {
        throw new RuleViolation('ENGINEER_ALREADY_REGISTERED', `engineer ${command.data.engineerId} is already registered`);
      }
      return [{ type: 'EngineerRegistered', data: command.data }];
    }
    if (state.status === 'unregistered') throw new NotFound('engineer', command.data.engineerId);
    switch (command.type) {
      case 'VerifyCredential': {
        const d = command.data;
        if (d.kind === 'skill' && !d.category) {
          throw new ValidationFailed('a skill credential needs a category', [{ field: 'category', message: 'category is required for kind skill' }]);
        }
        if (d.kind !== 'skill' && d.category) {
          throw new ValidationFailed('only a skill credential has a category', [{ field: 'category', message: `category is not allowed for kind ${d.kind}` }]);
        }
        if (!isBefore(d.validFrom, d.validUntil)) {
          throw new ValidationFailed('validUntil must be after validFrom', [{ field: 'validUntil', message: 'validUntil must be after validFrom' }]);
        }
        return [{ type: 'CredentialVerified', data: d }];
      }
      case 'RevokeCredential': {
        if (command.data.kind === 'skill' && !command.data.category) {
          throw new ValidationFailed('a skill credential is named by its category', [{ field: 'category', message: 'category is required for kind skill' }]);
        }
        const credential = state.credentials[credentialKey(command.data.kind, command.data.category)];
        if (!credential || credential.verifications.length === 0) {
          throw new RuleViolation('CREDENTIAL_NOT_FOUND', `engineer ${state.engineerId} holds no ${credentialKey(command.data.kind, command.data.category)} credential to revoke`);
        }
        return [{ type: 'CredentialRevoked', data: command.data }];
      }
      case 'SuspendEngineer':
        if (state.status === 'suspended') throw new RuleViolation('ENGINEER_ALREADY_SUSPENDED', `engineer ${state.engineerId} is already suspended`);
        return [{ type: 'EngineerSuspended', data: command.data }];
      case 'ReinstateEngineer':
        if (state.status !== 'suspended') throw new RuleViolation('ENGINEER_NOT_SUSPENDED', `engineer ${state.engineerId} is not suspended`);
        return [{ type: 'EngineerReinstated', data: command.data }];
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'EngineerRegistered':
        return { status: 'active', ...event.data, credentials: {} };
      case 'CredentialVerified': {
        if (state.status === 'unregistered') return state;
        const key = credentialKey(event.data.kind, event.data.category);
        const previous = state.credentials[key];
        const { verifiedBy, certificateNo, validFrom, validUntil } = event.data;
        // A party's newer check replaces its older one (a renewal).
        const verifications = (previous?.revoked ? [] : (previous?.verifications ?? [])).filter((v) => v.verifiedBy !== verifiedBy);
        verifications.push({ verifiedBy, certificateNo, validFrom, validUntil });
        const credential: CredentialState = { kind: event.data.kind, verifications };
        if (event.data.category) credential.category = event.data.category;
        return { ...state, credentials: { ...state.credentials, [key]: credential } };
      }
      case 'CredentialRevoked': {
        if (state.status === 'unregistered') return state;
        const key = credentialKey(event.data.kind, event.data.category);
        const previous = state.credentials[key];
        if (!previous) return state;
        return { ...state, credentials: { ...state.credentials, [key]: { ...previous, verifications: [], revoked: { reason: event.data.reason } } } };
      }
      case 'EngineerSuspended':
        return state.status === 'unregistered' ? state : { ...state, status: 'suspended', suspensionReason: event.data.reason };
      case 'EngineerReinstated': {
        if (state.status === 'unregistered') return state;
        const { suspensionReason: _, ...rest } = state;
        return { ...rest, status: 'active' };
      }
      default:
        return assertNever(event);
    }
  },
};

/** A credential relied on at dispatch: what the dispatch event records for the auditor. */
export interface RelyingCredential {
  kind: CredentialKind;
  category?: string;
  verifications: Verification[];
}

export interface Dispatchability {
  dispatchable: boolean;
  /** Why not, one sentence each (empty when dispatchable). */
  reasons: string[];
  /** Codes of what is missing, e.g. `skill:air_conditioner`, `suspended`. */
  missing: string[];
  /** The valid credentials, with the checks that make them count. */
  relied: RelyingCredential[];
}

/**
 * DESIGN.md rule 1: an active engineer with real-name, safety, health and the category's skill
 * credentials, each verified by two different parties and valid at `at`.
 */
export function dispatchability(state: EngineerState, at: string, category?: string): Dispatchability {
  if (state.status === 'unregistered') {
    return { dispatchable: false, reasons: ['the engineer is not registered'], missing: ['registration'], relied: [] };
  }
  const reasons: string[] = [];
  const missing: string[] = [];
  const relied: RelyingCredential[] = [];
  if (state.status === 'suspended') {
    reasons.push(`the engineer is suspended${state.suspensionReason ? `: ${state.suspensionReason}` : ''}`);
    missing.push('suspended');
  }
  const check = (key: string, label: string, record = true) => {
    const credential = state.credentials[key];
    const valid = (credential?.verifications ?? []).filter((v) => isAtOrBefore(v.validFrom, at) && isBefore(at, v.validUntil));
    const parties = new Set(valid.map((v) => v.verifiedBy));
    if (parties.size >= 2) {
      const entry: RelyingCredential = { kind: credential!.kind, verifications: valid };
      if (credential!.category) entry.category = credential!.category;
      relied.push(entry);
      return true;
    }
    if (record) {
      missing.push(key);
      reasons.push(
        credential?.revoked && valid.length === 0
          ? `the ${label} credential was revoked: ${credential.revoked.reason}`
          : `the ${label} credential is verified by ${parties.size} valid part${parties.size === 1 ? 'y' : 'ies'} at ${at}; two are required`,
      );
    }
    return false;
  };
  for (const kind of BASE_CREDENTIALS) check(kind, kind);
  if (category) {
    if (!state.categories.includes(category)) {
      reasons.push(`the engineer does not serve the ${category} category`);
      missing.push(`category:${category}`);
    } else {
      check(credentialKey('skill', category), `${category} skill`);
    }
  } else {
    // Without a category: dispatchable for some category if any one skill is valid.
    const skills = state.categories.filter((c) => check(credentialKey('skill', c), `${c} skill`, false));
    if (skills.length === 0) {
      missing.push('skill');
      reasons.push('no skill credential is verified by two valid parties');
    }
  }
  return { dispatchable: missing.length === 0, reasons, missing, relied };
}
