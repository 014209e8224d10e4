import { jest } from '@jest/globals';
import { Command } from 'commander';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { integrityCommands } from '../../src/cli/integrity.command.js';
import { UsageError } from '../../src/cli/usage-error.js';

const keygen = async (out: string) => {
  const program = new Command().exitOverride();
  program.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  integrityCommands(program);
  await program.parseAsync(['keygen', '--out', out], { from: 'user' });
};

describe('service-ledger keygen', () => {
  const base = mkdtempSync(join(tmpdir(), 'keygen-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('creates the directory it is given, readable by its owner only, with the private key mode 600', async () => {
    const out = join(base, 'not', 'there', 'yet');
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await keygen(out);
    } finally {
      write.mockRestore();
    }
    expect(statSync(out).mode & 0o777).toBe(0o700);
    expect(statSync(join(out, 'checkpoint-key.pem')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(out, 'checkpoint-key.pem'), 'utf8')).toContain('BEGIN PRIVATE KEY');
    expect(readFileSync(join(out, 'checkpoint-key.pub.pem'), 'utf8')).toContain('BEGIN PUBLIC KEY');
  });

  it('never overwrites a key: a second run into the same directory is a usage error', async () => {
    const out = join(base, 'once');
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await keygen(out);
      const before = readFileSync(join(out, 'checkpoint-key.pem'), 'utf8');
      await expect(keygen(out)).rejects.toThrow(UsageError);
      expect(readFileSync(join(out, 'checkpoint-key.pem'), 'utf8')).toBe(before);
      // A file where the directory should be is a usage error too, not a crash.
      await expect(keygen(join(out, 'checkpoint-key.pem'))).rejects.toThrow(/is a file, not a directory/);
    } finally {
      write.mockRestore();
    }
  });
});
