import { sql, type Kysely } from 'kysely';
import { AddressStateStore, RecipientStore, type HeraldDatabase } from '@herald/store';
import { migratedDatabase } from './migrated-database.js';

let db: Kysely<HeraldDatabase>;
migratedDatabase((created) => {
  db = created;
});

const token = 'ab'.repeat(32);
const t = (iso: string) => new Date(iso);

describe('AddressStateStore and re-registration', () => {
  it('marks an address, keeps the newest mark, stores no raw token', async () => {
    const states = new AddressStateStore(db);
    const mark = {
      tenant: 'acme',
      channel: 'push' as const,
      address: token,
      provider: 'apns',
      notificationId: '0b5c2f8e-1a3d-8f4e-9b6a-7c8d9e0f1a2b',
    };
    await states.markInvalid({
      ...mark,
      reason: 'invalid-token (Unregistered)',
      at: t('2026-03-02T10:00:00Z'),
    });
    // An older answer arriving late does not replace the newer one.
    await states.markInvalid({
      ...mark,
      reason: 'invalid-token (BadDeviceToken)',
      at: t('2026-03-01T10:00:00Z'),
    });
    expect(await states.find('acme', 'push', token)).toEqual({
      state: 'invalid',
      reason: 'invalid-token (Unregistered)',
      provider: 'apns',
      markedAt: t('2026-03-02T10:00:00Z'),
      notificationId: mark.notificationId,
    });
    expect(await states.find('other-tenant', 'push', token)).toBeUndefined();
    const { rows } = await sql<{
      address_ref: string;
    }>`select address_ref from address_states`.execute(db);
    expect(rows.map((r) => r.address_ref).join()).not.toContain(token);
  });

  it('getMany reports the mark on the channel; a newer upsert with the token clears it, an older one does not', async () => {
    const recipients = new RecipientStore(db);
    const states = new AddressStateStore(db);
    await recipients.upsert(
      {
        tenant: 'acme',
        id: 'bob',
        addresses: { push: token, email: 'bob@example.com' },
      },
      { registeredAt: t('2026-03-01T00:00:00Z') },
    );
    // The upsert above cleared nothing newer than itself: the mark of the first test stays.
    const bob = (await recipients.getMany('acme', ['bob'])).get('bob')!;
    expect(Object.keys(bob.invalidAddresses ?? {})).toEqual(['push']);
    expect(bob.invalidAddresses?.push?.reason).toBe('invalid-token (Unregistered)');

    // The app registers the token again after the provider's answer: the mark goes.
    await recipients.upsert(
      { tenant: 'acme', id: 'bob', addresses: { push: token } },
      { registeredAt: t('2026-03-03T00:00:00Z') },
    );
    expect(await states.find('acme', 'push', token)).toBeUndefined();
    expect(
      (await recipients.getMany('acme', ['bob'])).get('bob')!.invalidAddresses,
    ).toBeUndefined();

    // Without registeredAt the database's clock decides (a mark made now-ish is older).
    await states.markInvalid({
      tenant: 'acme',
      channel: 'push',
      address: token,
      reason: 'invalid-token (Unregistered)',
      provider: 'apns',
      at: new Date(Date.now() - 60_000),
    });
    await recipients.upsert({ tenant: 'acme', id: 'bob', addresses: { push: token } });
    expect(await states.find('acme', 'push', token)).toBeUndefined();
  });
});
