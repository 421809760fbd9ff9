/** The locale every fallback chain ends with. */
export const DEFAULT_LOCALE = 'default';

/**
 * Canonical form of a BCP 47 tag (`fr_ca` → `fr-CA`), `default` for `default`, or
 * undefined when the tag is not a locale. Underscores are accepted because they are
 * what many user databases and `LANG` values hold.
 */
export function canonicalLocale(locale: string | undefined): string | undefined {
  if (locale === undefined || locale === '') return undefined;
  if (locale.toLowerCase() === DEFAULT_LOCALE) return DEFAULT_LOCALE;
  try {
    return Intl.getCanonicalLocales(locale.replace(/_/g, '-'))[0];
  } catch {
    return undefined;
  }
}

/**
 * The locales to try, most specific first: `fr-CA` → `fr` → `default`; then the
 * registry's fallback locale chain when one is set (`en`), for stores that have no
 * `default` templates. A locale that is not a BCP 47 tag falls straight to `default`.
 *
 * @example
 * localeChain('zh-Hant-TW'); // ['zh-Hant-TW', 'zh-Hant', 'zh', 'default']
 */
export function localeChain(locale: string | undefined, fallbackLocale?: string): readonly string[] {
  const chain: string[] = [];
  const push = (tag: string | undefined): void => {
    const canonical = canonicalLocale(tag);
    if (canonical === undefined || canonical === DEFAULT_LOCALE) return;
    const subtags = canonical.split('-');
    for (let n = subtags.length; n > 0; n--) {
      const candidate = subtags.slice(0, n).join('-');
      // A lone private-use or extension singleton (`x`, `u`) is not a locale.
      if (subtags[n - 1]!.length === 1) continue;
      if (!chain.includes(candidate)) chain.push(candidate);
    }
  };
  push(locale);
  chain.push(DEFAULT_LOCALE);
  push(fallbackLocale);
  return chain;
}
