import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Domain and projection code stays pure: no framework, driver, validation or stream imports. */
const FORBIDDEN = /from '(@nestjs\/[^']+|@eventstore\/[^']+|pg|better-sqlite3|kysely|class-validator|class-transformer|rxjs)'/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const pure = [
  ...files('src').filter((f) => f.includes('/domain/')),
  ...files('projections'),
  'src/shared/decider.ts',
  'src/shared/domain-error.ts',
  'src/shared/time.ts',
];

describe('the architecture', () => {
  it('has domain files to check', () => {
    expect(pure.filter((f) => f.includes('/domain/')).length).toBeGreaterThan(0);
  });
  it.each(pure)('%s imports no framework or I/O code', (file) => {
    expect(readFileSync(file, 'utf8')).not.toMatch(FORBIDDEN);
  });
  it.each(pure)('%s never reads the system clock', (file) => {
    expect(readFileSync(file, 'utf8')).not.toMatch(/new Date\(\)|Date\.now\(\)/);
  });
});
