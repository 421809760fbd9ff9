import { domainToASCII } from 'node:url';
import { z } from 'zod';

/**
 * One mailbox as the WHATWG HTML spec defines a "valid e-mail address" (zod's
 * `html5Email`): a dot-atom local part, `@`, a host name. It is the definition made for
 * exactly this, one address typed into a form: no display name, no comments, no quoted
 * local part, no IP literal, no list. Everything that turns one string into several
 * envelope recipients or headers (commas, line breaks, a second `@`, quotes) is outside it.
 */
const MAILBOX = z.regexes.html5Email;
/** RFC 5321 §4.5.3.1: 64 octets of local part, 254 of path without the angle brackets. */
const MAX_LOCAL = 64;
const MAX_TOTAL = 254;

/**
 * Checks one e-mail address and normalises it: the domain lower-cased and, when it is
 * internationalised, in its ASCII (punycode) form; the local part is kept as written
 * (it may be case-sensitive). Returns the address, or a problem that never quotes it.
 */
export function checkEmail(value: string): { address: string } | { problem: string } {
  if (/[,;]/.test(value))
    return { problem: 'holds a list (comma or semicolon): give one address per recipient' };
  if (/\s/.test(value)) return { problem: 'contains white space' };
  if (/[<>"()[\]\\]/.test(value))
    return { problem: 'contains a display name, quote, comment or bracket: give the bare address' };
  const at = value.indexOf('@');
  if (at === -1) return { problem: 'has no "@"' };
  if (value.indexOf('@', at + 1) !== -1) return { problem: 'has more than one "@"' };
  const local = value.slice(0, at);
  if (local.length === 0) return { problem: 'has nothing before the "@"' };
  if (Buffer.byteLength(local) > MAX_LOCAL)
    return { problem: `has a local part over ${MAX_LOCAL} bytes` };
  // Non-ASCII local parts need SMTPUTF8, which not every hop offers: refused rather than mangled.
  if (!/^[\x21-\x7e]+$/.test(local)) return { problem: 'has a non-ASCII local part' };
  const domain = domainToASCII(value.slice(at + 1).toLowerCase());
  if (domain === '') return { problem: 'has no valid domain after the "@"' };
  if (!domain.includes('.')) return { problem: 'has a domain without a dot' };
  const address = `${local}@${domain}`;
  if (address.length > MAX_TOTAL) return { problem: `is over ${MAX_TOTAL} characters` };
  if (!MAILBOX.test(address)) return { problem: 'is not a valid e-mail address' };
  return { address };
}
