import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { HeraldError } from '@herald/core';
import { ipLiteral, type AddressDecision } from './address-policy.js';

/**
 * Wraps a DNS lookup so every address it returns passes `decide` before a socket
 * connects to it. Given to the HTTP agent as its `lookup`, it re-checks at connect
 * time, so a name that resolved to a public address during the pre-flight check
 * and to 10.0.0.1 a moment later (DNS rebinding) is still refused.
 */
export function guardedLookup(
  decide: (ip: string) => AddressDecision,
  base: LookupFunction = dnsLookup,
): LookupFunction {
  return (hostname, options, callback) => {
    base(hostname, options, (err, address, family) => {
      if (err) return callback(err, address, family);
      const ips = Array.isArray(address) ? address.map((a) => a.address) : [address];
      for (const ip of ips) {
        const decision = decide(ip);
        if (!decision.allowed)
          return callback(refusal(hostname, ip, decision.range), Array.isArray(address) ? [] : '');
      }
      callback(null, address, family);
    });
  };
}

/**
 * Pre-flight check of a target URL: an IP literal is judged directly (sockets skip
 * lookup for literals, so this is the only check they get), a name is resolved and
 * every address judged. Throws HERALD_ERR_TARGET_REFUSED.
 */
export async function assertTargetAllowed(
  url: URL,
  decide: (ip: string) => AddressDecision,
  lookup: LookupFunction = dnsLookup,
): Promise<void> {
  const literal = ipLiteral(url.hostname);
  const ips =
    literal !== undefined
      ? [literal]
      : await new Promise<string[]>((resolve, reject) =>
          lookup(url.hostname, { all: true }, (err, address) => {
            if (err) reject(err);
            else
              resolve(
                Array.isArray(address) ? address.map((a: LookupAddress) => a.address) : [address],
              );
          }),
        );
  for (const ip of ips) {
    const decision = decide(ip);
    if (!decision.allowed) throw refusal(url.hostname, ip, decision.range);
  }
}

function refusal(hostname: string, ip: string, range: string): HeraldError {
  return new HeraldError('HERALD_ERR_TARGET_REFUSED', [
    hostname,
    `it resolves to ${ip}, a ${range} address; only public addresses are allowed unless configured`,
  ]);
}
