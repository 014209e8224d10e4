/**
 * Masks for personal data shown to analysts (API.md: analysts read the read models with the
 * customer's name and phone masked). Pure; characters are counted as code points, so a masked
 * name keeps its length in characters whatever the script.
 */

/**
 * Keeps the first character and hides the rest: '张三丰' -> '张**', 'Li Wei' -> 'L*****'. A
 * one-character name would be shown whole that way: it is hidden entirely.
 */
export function maskName(name: string): string {
  const chars = Array.from(name);
  if (chars.length <= 1) return '*'.repeat(chars.length);
  return chars[0]! + '*'.repeat(chars.length - 1);
}

/**
 * Keeps the first 3 and last 4 characters and hides those between: '13812345678' -> '138****5678'.
 * A string too short to hide at least one character between them (under 8) is hidden entirely.
 */
export function maskPhone(phone: string): string {
  const chars = Array.from(phone);
  if (chars.length < 8) return '*'.repeat(chars.length);
  return chars.slice(0, 3).join('') + '*'.repeat(chars.length - 7) + chars.slice(-4).join('');
}
