import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { HeraldError } from '@herald/core';

/**
 * Which resolved addresses a provider may connect to. By default only public
 * unicast addresses: anything private, loopback, link-local, unique-local,
 * multicast, unspecified or reserved is refused, so a webhook URL chosen by a
 * tenant cannot reach Herald's own network (SSRF).
 */
export interface AddressPolicyConfig {
  /** Allow every private, loopback and link-local range (local development, tests). Cloud metadata stays refused. */
  readonly allowPrivateNetworks?: boolean;
  /** CIDRs allowed even though they are not public, e.g. `['10.20.0.0/16']`. The only way to reach a metadata address. */
  readonly allowCidrs?: readonly string[];
}

/** The decision for one address: allowed, or refused with the range it falls in. */
export type AddressDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly range: string };

// Instance metadata services hand out cloud credentials; `allowPrivateNetworks`
// must not open them by accident, so they need an explicit CIDR.
const metadataAddresses = [
  '169.254.169.254',
  '169.254.170.2',
  'fd00:ec2::254',
  '100.100.100.200',
].map((a) => ipaddr.parse(a).toNormalizedString());

/**
 * Compiles a policy into a function over IP strings. Throws HERALD_ERR_CHANNEL_CONFIG
 * for a malformed CIDR, at start-up rather than on the first send.
 *
 * @example
 * const decide = addressPolicy({ allowCidrs: ['10.20.0.0/16'] });
 * decide('10.20.1.2'); // { allowed: true }
 * decide('127.0.0.1'); // { allowed: false, range: 'loopback' }
 */
export function addressPolicy(config: AddressPolicyConfig = {}): (ip: string) => AddressDecision {
  const cidrs = (config.allowCidrs ?? []).map((cidr) => {
    try {
      return ipaddr.parseCIDR(cidr);
    } catch {
      throw new HeraldError('HERALD_ERR_CHANNEL_CONFIG', [
        'webhook',
        `allowCidrs entry "${cidr}" is not a CIDR; write it like "10.20.0.0/16" or "fd00::/8"`,
      ]);
    }
  });
  return (ip: string): AddressDecision => {
    if (!ipaddr.isValid(ip)) return { allowed: false, range: 'invalid' };
    // process() turns ::ffff:127.0.0.1 into 127.0.0.1 so mapped forms get the IPv4 verdict.
    const addr = ipaddr.process(ip);
    if (cidrs.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits)))
      return { allowed: true };
    if (metadataAddresses.includes(addr.toNormalizedString()))
      return { allowed: false, range: 'cloud metadata' };
    const range = addr.range();
    if (range === 'unicast') return { allowed: true };
    // Ranges that embed or translate IPv4 (6to4, Teredo, NAT64) could tunnel to a
    // private IPv4 address, so they stay refused even with allowPrivateNetworks.
    const privateRanges = [
      'private',
      'loopback',
      'linkLocal',
      'uniqueLocal',
      'carrierGradeNat',
      'unspecified',
    ];
    if (config.allowPrivateNetworks === true && privateRanges.includes(range))
      return { allowed: true };
    return { allowed: false, range };
  };
}

/** The IP literal in a URL hostname (without IPv6 brackets), or undefined for a name. */
export function ipLiteral(hostname: string): string | undefined {
  const bare =
    hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) === 0 ? undefined : bare;
}
