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
