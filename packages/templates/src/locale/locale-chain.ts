/** The locale every fallback chain ends with. */
export const DEFAULT_LOCALE = 'default';

/**
 * Canonical form of a BCP 47 tag (`fr_ca` → `fr-CA`), `default` for `default`, or
 * undefined when the tag is not a locale. Underscores are accepted because they are
 * what many user databases and `LANG` values hold.
 */
export function canonicalLocale(locale: string | undefined): string | undefined {
  if (locale === undefined || locale === '') return undefined;
  // Canonicalising through Intl costs microseconds and every render asks: remember.
  if (canonical.has(locale)) return canonical.get(locale);
  let result: string | undefined;
  if (locale.toLowerCase() === DEFAULT_LOCALE) result = DEFAULT_LOCALE;
  else {
    try {
      result = Intl.getCanonicalLocales(locale.replace(/_/g, '-'))[0];
    } catch {
      result = undefined;
    }
  }
  remember(canonical, locale, result);
  return result;
}

const MAX_REMEMBERED = 2048;
const canonical = new Map<string, string | undefined>();
const chains = new Map<string, readonly string[]>();

function remember<T>(map: Map<string, T>, key: string, value: T): void {
  if (map.size >= MAX_REMEMBERED) map.clear();
  map.set(key, value);
}

/**
 * The locales to try, most specific first: `fr-CA` → `fr` → `default`; then the
 * registry's fallback locale chain when one is set (`en`), for stores that have no
 * `default` templates. A locale that is not a BCP 47 tag falls straight to `default`.
 *
 * @example
 * localeChain('zh-Hant-TW'); // ['zh-Hant-TW', 'zh-Hant', 'zh', 'default']
 */
export function localeChain(
  locale: string | undefined,
  fallbackLocale?: string,
): readonly string[] {
  const key = `${locale ?? ''}|${fallbackLocale ?? ''}`;
  let chain = chains.get(key);
  if (!chain) remember(chains, key, (chain = Object.freeze(buildChain(locale, fallbackLocale))));
  return chain;
}

function buildChain(locale: string | undefined, fallbackLocale: string | undefined): string[] {
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
