import { silentLogger } from '@herald/core';
import { createKafkaClient, kafkaSecurity } from './kafka-client.js';
import { platformaticOf, platformaticSecurity } from './platformatic/connection.js';

const none = { HERALD_KAFKA_TLS: false };

describe('kafkaSecurity', () => {
  it('is empty without SASL or TLS', () => {
    expect(kafkaSecurity(none)).toEqual({});
  });

  it('maps SASL settings to kafkajs and requires both credentials', () => {
    expect(
      kafkaSecurity({
        ...none,
        HERALD_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        HERALD_KAFKA_SASL_USERNAME: 'u',
        HERALD_KAFKA_SASL_PASSWORD: 'p',
      }),
    ).toEqual({ sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } });
    expect(() =>
      kafkaSecurity({
        ...none,
        HERALD_KAFKA_SASL_MECHANISM: 'plain',
        HERALD_KAFKA_SASL_USERNAME: 'u',
      }),
    ).toThrow(
      /HERALD_KAFKA_SASL_MECHANISM is plain: set HERALD_KAFKA_SASL_USERNAME and HERALD_KAFKA_SASL_PASSWORD too/,
    );
  });

  it('turns TLS on, with a CA bundle read once from its file', () => {
    expect(kafkaSecurity({ HERALD_KAFKA_TLS: true })).toEqual({ ssl: true });
    const reads: string[] = [];
    const security = kafkaSecurity(
      { HERALD_KAFKA_TLS: true, HERALD_KAFKA_TLS_CA_FILE: '/ca.pem' },
      (path) => {
        reads.push(path);
        return 'PEM';
      },
    );
    expect(security).toEqual({ ssl: { ca: ['PEM'] } });
    expect(reads).toEqual(['/ca.pem']);
  });

  it('names the setting when the CA file cannot be read or TLS is off', () => {
    expect(() =>
      kafkaSecurity({ HERALD_KAFKA_TLS: true, HERALD_KAFKA_TLS_CA_FILE: '/nope/ca.pem' }),
    ).toThrow(/HERALD_KAFKA_TLS_CA_FILE: cannot read \/nope\/ca.pem/);
    expect(() =>
      kafkaSecurity({ HERALD_KAFKA_TLS: false, HERALD_KAFKA_TLS_CA_FILE: '/ca.pem' }),
    ).toThrow(/set HERALD_KAFKA_TLS=true/);
  });
});

describe('the platformatic client', () => {
  const settings = {
    HERALD_KAFKA_SASL_MECHANISM: 'scram-sha-512' as const,
    HERALD_KAFKA_SASL_USERNAME: 'u',
    HERALD_KAFKA_SASL_PASSWORD: 'p',
    HERALD_KAFKA_TLS: true,
    HERALD_KAFKA_TLS_CA_FILE: '/ca.pem',
    HERALD_KAFKA_CLIENT: 'platformatic' as const,
  };

  it('maps SASL and TLS with a CA as the kafkajs path does', () => {
    const security = kafkaSecurity(settings, () => 'PEM');
    expect(security.client).toBe('platformatic');
    expect(platformaticSecurity(security)).toEqual({
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' },
      tls: { ca: ['PEM'] },
    });
    expect(
      platformaticSecurity(
        kafkaSecurity({
          ...settings,
          HERALD_KAFKA_SASL_MECHANISM: 'plain',
          HERALD_KAFKA_TLS_CA_FILE: undefined,
        }),
      ),
    ).toEqual({ sasl: { mechanism: 'PLAIN', username: 'u', password: 'p' }, tls: {} });
  });

  it('is chosen by kafkaSecurity(env) alone, so apps need no change', () => {
    const make = (client?: 'kafkajs' | 'platformatic') =>
      createKafkaClient({
        brokers: ['127.0.0.1:1'],
        clientId: 'x',
        logger: silentLogger,
        security: kafkaSecurity({ HERALD_KAFKA_TLS: false, HERALD_KAFKA_CLIENT: client }),
      });
    expect(platformaticOf(make('platformatic'))?.clientId).toBe('x');
    expect(platformaticOf(make('kafkajs'))).toBeUndefined();
    // No setting: the default client, platformatic (HERALD_KAFKA_CLIENT's default too).
    expect(platformaticOf(make())?.clientId).toBe('x');
  });
});
