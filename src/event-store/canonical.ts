/**
 * Canonical JSON: object keys sorted by UTF-16 code unit order, no insignificant white space,
 * `undefined` members dropped. Only finite integers are allowed as numbers (money is integer
 * fen), so number formatting cannot differ between producers. The hash chain hashes this form.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, '$');
}

function encode(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new TypeError(`canonical JSON allows only safe integers; ${path} is ${value}`);
      }
      return String(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((item, i) => encode(item === undefined ? null : item, `${path}[${i}]`)).join(',')}]`;
      }
      const keys = Object.keys(value as object).sort();
      const members: string[] = [];
      for (const key of keys) {
        const member = (value as Record<string, unknown>)[key];
        if (member === undefined) continue;
        members.push(`${JSON.stringify(key)}:${encode(member, `${path}.${key}`)}`);
      }
      return `{${members.join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot encode ${typeof value} at ${path}`);
  }
}
