import { HeraldError } from '@herald/core';
import { tenantClients } from './tenant-clients.js';

interface Settings {
  readonly key?: string;
  readonly from?: string;
}

function setup(release: (client: { id: number; key: string }) => void = () => undefined) {
  let made = 0;
  const clients = tenantClients<Settings, { id: number; key: string }>(
    { key: 'shared-key', from: 'shared@acme.dev' },
    { acme: { key: 'acme-key' }, bare: {} },
    (settings, tenant) => {
      if (settings.key === undefined)
        throw new HeraldError('HERALD_ERR_CHANNEL_CONFIG', ['x', tenant]);
      return { id: ++made, key: settings.key };
    },
    release,
  );
  return { clients, made: () => made };
}

describe('tenantClients', () => {
  it('shares one client among tenants without a section of their own', () => {
    const { clients, made } = setup();
    const a = clients.get('globex');
    const b = clients.get('initech');
    expect(a.client).toBe(b.client);
    expect(a.client.key).toBe('shared-key');
    expect(made()).toBe(1);
  });

  it('gives a tenant with its own section its own client, from the merged settings', () => {
    const { clients } = setup();
    const acme = clients.get('acme');
    expect(acme.client).toBe(clients.get('acme').client);
    expect(acme.client).not.toBe(clients.get('globex').client);
    expect(acme.settings).toEqual({ key: 'acme-key', from: 'shared@acme.dev' });
    // An empty section still gets its own client: credentials never mix by accident.
    expect(clients.get('bare').client).not.toBe(clients.get('globex').client);
  });

  it('keeps nothing when the client cannot be made, and throws what create throws', () => {
    let fail = true;
    const clients = tenantClients<Settings, string>({}, undefined, () => {
      if (fail) throw new HeraldError('HERALD_ERR_CHANNEL_CONFIG', ['x', 'missing key']);
      return 'client';
    });
    expect(() => clients.get('t')).toThrow(HeraldError);
    fail = false;
    expect(clients.get('t').client).toBe('client');
  });

  it('releases every client once, each even when another fails', async () => {
    const released: number[] = [];
    const { clients } = setup((client) => {
      released.push(client.id);
      if (client.id === 1) throw new Error('socket already gone');
    });
    clients.get('globex');
    clients.get('acme');
    await expect(clients.close()).rejects.toThrow('socket already gone');
    await expect(clients.close()).rejects.toThrow('socket already gone');
    expect(released).toEqual([1, 2]);
  });
});
