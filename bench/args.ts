/**
 * Node's flags for the CLI in a process of its own, as its first line (src/cli.ts) and `npm run
 * cli` give them: the heap capped, and a young generation of 32 MB (short-lived event and row
 * objects die there instead of being copied out of a 16 MB one).
 */
export const CLI_NODE_FLAGS = ['--max-old-space-size=384', '--max-semi-space-size=32'];

/** The bench's own command line, after the script. */
export const benchArgs = process.argv.slice(2);

/** The value after `--name` on the command line, or the fallback. */
export function arg(name: string, fallback: string): string {
  const i = benchArgs.indexOf(`--${name}`);
  return i >= 0 ? benchArgs[i + 1]! : fallback;
}

/** A number after `--name`, or the fallback. */
export function numberArg(name: string, fallback: number): number {
  return Number(arg(name, String(fallback)));
}
