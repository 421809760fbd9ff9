// The secrets check of the chaos and soak runs (issue 18, item 7): every log line and
// every record a run produced is scanned for the credentials the run configured; a hit
// names the place that leaked one. Plain ESM so both harnesses import it as it is.

/**
 * Returns `scan(where, value)`: adds `where` to `leaks` when `value` (a string, a
 * Buffer, anything with a String form; null and undefined are skipped) contains one of
 * `credentials` verbatim. Empty credentials are ignored (they would match everything).
 *
 * @param {readonly string[]} credentials
 * @param {Set<string>} leaks
 * @returns {(where: string, value: unknown) => void}
 */
export function secretScanner(credentials, leaks) {
  const wanted = credentials.filter((c) => typeof c === 'string' && c.length > 0);
  return (where, value) => {
    if (value === null || value === undefined) return;
    const text = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
    for (const credential of wanted) if (text.includes(credential)) leaks.add(where);
  };
}
