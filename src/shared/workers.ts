/**
 * Whether worker threads can run here: this module is compiled JavaScript, as the worker scripts
 * next to it are (under the TypeScript test runner they are not, and work stays in-process).
 */
export function workersAvailable(): boolean {
  return import.meta.url.endsWith('.js');
}
