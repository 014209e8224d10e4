import { ConfigError, loadConfig } from '../../src/config/config.js';

describe('configuration at boot', () => {
  it('defaults to the embedded store under ./data with demo tokens outside production', () => {
    const config = loadConfig({});
    expect(config.store).toBe('embedded');
    expect(config.dataDir).toMatch(/\/data$/);
    expect(config.sqliteSynchronous).toBe('FULL');
    expect(config.tokens.get('demo-supervisor')).toEqual({ id: 'demo-supervisor', role: 'supervisor' });
    expect(config.compensationSupervisorThresholdFen).toBe(100_000);
  });

  it('lists every problem at once and names the variable', () => {
    const attempt = () => loadConfig({ STORE: 'mongo', PORT: 'eighty', DISPATCH_CREDENTIAL_POLICY: 'maybe' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const { problems } = error as ConfigError;
      expect(problems).toHaveLength(3);
      expect(problems[0]).toMatch(/^STORE must be one of embedded, postgres, eventstoredb \(got "mongo"\)/);
      expect(problems[1]).toMatch(/^PORT must be a whole number/);
      expect(problems[2]).toMatch(/^DISPATCH_CREDENTIAL_POLICY/);
    }
  });

  it('requires DATABASE_URL for the postgres store and EVENTSTORE_URL for eventstoredb', () => {
    expect(() => loadConfig({ STORE: 'postgres' })).toThrow(/DATABASE_URL is required/);
    expect(() => loadConfig({ STORE: 'eventstoredb', DATABASE_URL: 'postgres://x/y' })).toThrow(/EVENTSTORE_URL is required/);
    expect(() => loadConfig({ STORE: 'postgres', DATABASE_URL: 'mysql://x/y' })).toThrow(/DATABASE_URL must start with postgres:/);
  });

  it('in production accepts only configured tokens, and needs at least one', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/AUTH_TOKENS must define at least one token/);
    const config = loadConfig({ NODE_ENV: 'production', AUTH_TOKENS: 'a-long-secret-token-1=ops-7:supervisor' });
    expect(config.tokens.get('demo-admin')).toBeUndefined();
    expect(config.tokens.get('a-long-secret-token-1')).toEqual({ id: 'ops-7', role: 'supervisor' });
    expect(() => loadConfig({ AUTH_TOKENS: 'short=x:agent' })).toThrow(/at least 16 characters/);
    expect(() => loadConfig({ AUTH_TOKENS: 'a-long-secret-token-1=x:wizard' })).toThrow(/unknown role "wizard"/);
  });
});
