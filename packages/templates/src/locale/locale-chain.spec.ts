import { canonicalLocale, localeChain } from './locale-chain.js';

describe('localeChain', () => {
  test('walks from the most specific tag to default', () => {
    expect(localeChain('fr-CA')).toEqual(['fr-CA', 'fr', 'default']);
    expect(localeChain('zh-Hant-TW')).toEqual(['zh-Hant-TW', 'zh-Hant', 'zh', 'default']);
  });

  test('canonicalises case and underscores', () => {
    expect(localeChain('fr_ca')).toEqual(['fr-CA', 'fr', 'default']);
    expect(canonicalLocale('EN-gb')).toBe('en-GB');
    expect(canonicalLocale('Default')).toBe('default');
  });

  test('ends with the fallback locale chain, without repeats', () => {
    expect(localeChain('de-AT', 'en-US')).toEqual(['de-AT', 'de', 'default', 'en-US', 'en']);
    expect(localeChain('en-GB', 'en')).toEqual(['en-GB', 'en', 'default']);
  });

  test('a missing or malformed locale goes straight to default', () => {
    expect(localeChain(undefined)).toEqual(['default']);
    expect(localeChain('not a locale!')).toEqual(['default']);
    expect(canonicalLocale('not a locale!')).toBeUndefined();
  });
});
