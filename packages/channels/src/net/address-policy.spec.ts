import { addressPolicy, ipLiteral } from './address-policy.js';

describe('addressPolicy', () => {
  const strict = addressPolicy();
  const lax = addressPolicy({ allowPrivateNetworks: true });

  it.each([
    ['93.184.216.34', 'public IPv4'],
    ['2606:4700:4700::1111', 'public IPv6'],
  ])('allows %s (%s)', (ip) => {
    expect(strict(ip)).toEqual({ allowed: true });
  });

  it.each([
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.9.9.9', 'loopback'],
    ['169.254.1.1', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['2002:7f00:1::', '6to4'],
    ['64:ff9b::a00:1', 'rfc6052'],
    ['169.254.169.254', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['100.100.100.200', 'cloud metadata'],
    ['not-an-ip', 'invalid'],
  ])('refuses %s as %s', (ip, range) => {
    expect(strict(ip)).toEqual({ allowed: false, range });
  });

  it('allowPrivateNetworks opens private, loopback and link-local ranges but not metadata or multicast', () => {
    for (const ip of ['10.1.2.3', '127.0.0.1', '::1', 'fe80::1', 'fd12::1', '192.168.0.1']) {
      expect(lax(ip)).toEqual({ allowed: true });
    }
    expect(lax('169.254.169.254')).toEqual({ allowed: false, range: 'cloud metadata' });
    expect(lax('224.0.0.1')).toEqual({ allowed: false, range: 'multicast' });
    expect(lax('2002:7f00:1::')).toEqual({ allowed: false, range: '6to4' });
  });

  it('allowCidrs opens exactly the listed ranges, metadata included when listed', () => {
    const decide = addressPolicy({
      allowCidrs: ['10.20.0.0/16', '169.254.169.254/32', 'fd00::/8'],
    });
    expect(decide('10.20.9.9')).toEqual({ allowed: true });
    expect(decide('10.21.0.1')).toEqual({ allowed: false, range: 'private' });
    expect(decide('169.254.169.254')).toEqual({ allowed: true });
    expect(decide('fd00::5')).toEqual({ allowed: true });
    expect(decide('::ffff:10.20.0.1')).toEqual({ allowed: true });
  });

  it('refuses a malformed CIDR at start-up', () => {
    expect(() => addressPolicy({ allowCidrs: ['10.0.0.0/33'] })).toThrow(
      /HERALD_ERR_CHANNEL_CONFIG.*"10\.0\.0\.0\/33"/,
    );
  });
});

describe('ipLiteral', () => {
  it('finds IP literals in URL hostnames', () => {
    expect(ipLiteral('127.0.0.1')).toBe('127.0.0.1');
    expect(ipLiteral('[::1]')).toBe('::1');
    expect(ipLiteral('example.com')).toBeUndefined();
  });
});
