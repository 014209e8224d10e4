/** Engineer events. Type names never change once used; a breaking change is a new type. */
export const PROVIDER_TYPES = ['manufacturer', 'retailer', 'independent', 'individual'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

export const CREDENTIAL_KINDS = ['real_name', 'safety', 'health', 'skill'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

export const VERIFYING_PARTIES = ['platform', 'brand', 'provider'] as const;
export type VerifyingParty = (typeof VERIFYING_PARTIES)[number];

export type EngineerRegistered = {
  type: 'EngineerRegistered';
  data: {
    engineerId: string;
    name: string;
    phone: string;
    providerType: ProviderType;
    providerId: string;
    cities: string[];
    categories: string[];
  };
};

/** One party's check of one credential; a credential counts once two different parties checked it. */
export type CredentialVerified = {
  type: 'CredentialVerified';
  data: {
    engineerId: string;
    kind: CredentialKind;
    category?: string;
    verifiedBy: VerifyingParty;
    certificateNo: string;
    validFrom: string;
    validUntil: string;
  };
};

export type CredentialRevoked = {
  type: 'CredentialRevoked';
  data: { engineerId: string; kind: CredentialKind; category?: string; reason: string };
};

export type EngineerSuspended = { type: 'EngineerSuspended'; data: { engineerId: string; reason: string } };
export type EngineerReinstated = { type: 'EngineerReinstated'; data: { engineerId: string; reason: string } };

export type EngineerEvent = EngineerRegistered | CredentialVerified | CredentialRevoked | EngineerSuspended | EngineerReinstated;

export const engineerStream = (engineerId: string) => `engineer-${engineerId}`;
