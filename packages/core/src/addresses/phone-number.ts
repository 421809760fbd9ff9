// The core entry with the metadata passed in: the default entry imports the JSON
// without an import attribute, which Node warns about.
import { parsePhoneNumberFromString } from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/min/metadata';

/**
 * Checks an international phone number and returns it in E.164 (`+4915112345678`).
 * Spaces, dashes, dots and parentheses are formatting and are dropped; a leading `+`
 * and country code are required (there is no default country to guess from).
 *
 * The test is "possible" (the number's length fits its country), not "valid" (the
 * number is in an allocated range): allocation tables change, and a stale table would
 * refuse real new numbers for good, while a possible but unallocated number costs one
 * refused send at the provider.
 */
export function checkPhone(value: string): { address: string } | { problem: string } {
  if (!/^\+[\d\s().-]+$/.test(value))
    return {
      problem:
        'is not an international phone number: "+", country code, then digits (E.164, e.g. +4915112345678)',
    };
  const number = parsePhoneNumberFromString(value, metadata);
  if (number === undefined) return { problem: 'has no known country calling code' };
  if (!number.isPossible())
    return {
      problem: `has the wrong number of digits for country code +${number.countryCallingCode}`,
    };
  return { address: number.number };
}
