/**
 * Canonical JSON: object keys sorted by UTF-16 code unit order, no insignificant white space,
 * `undefined` members dropped. Only safe integers are allowed as numbers (money is integer fen),
 * so number formatting cannot differ between producers. The hash chain hashes this form.
 */
export function canonicalJson(value: unknown): string {
  try {
    return encode(value);
  } catch (error) {
    if (error instanceof NotCanonical) throw new TypeError(`${error.message} at ${pathTo(value, error.offender) ?? '$'}`);
    throw error;
  }
}

class NotCanonical extends TypeError {
  constructor(
    message: string,
    readonly offender: unknown,
  ) {
    super(message);
  }
}

// The hot path of every append and every verification: plain loops, no per-call allocations beyond the output.
function encode(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      // NUL and unpaired surrogates have no place in a ledger and are refused by some stores
      // (PostgreSQL jsonb): one rule for every adapter.
      if (value.includes('\u0000') || !(value as string & { isWellFormed(): boolean }).isWellFormed()) {
        throw new NotCanonical('canonical JSON refuses NUL characters and unpaired surrogates in strings', value);
      }
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) throw new NotCanonical(`canonical JSON allows only safe integers, got ${value}`, value);
      return String(value);
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const item: unknown = value[i];
          out += item === undefined ? 'null' : encode(item);
        }
        return out + ']';
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      if (keys.length > 1) keys.sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += encode(key) + ':' + encode(member);
      }
      return out + '}';
    }
    default:
      throw new NotCanonical(`canonical JSON cannot encode a ${typeof value}`, value);
  }
}

/** The JSON path of `offender` inside `root`, for the error message (only on failure). */
function pathTo(root: unknown, offender: unknown, path = '$'): string | null {
  if (Object.is(root, offender)) return path;
  if (root === null || typeof root !== 'object') return null;
  for (const [key, child] of Object.entries(root)) {
    const found = pathTo(child, offender, Array.isArray(root) ? `${path}[${key}]` : `${path}.${key}`);
    if (found) return found;
  }
  return null;
}
