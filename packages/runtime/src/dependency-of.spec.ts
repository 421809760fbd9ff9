import { HeraldError } from '@herald/core';
import { dependencyOf } from './dependency-of.js';

const endpoints = {
  kafka: '127.0.0.1:19092,127.0.0.1:19093',
  postgres: 'postgres://herald:s3cret@127.0.0.1:15432/herald',
  redis: 'redis://localhost:16379',
};

function refused(port: number, address = '127.0.0.1') {
  return Object.assign(new Error(`connect ECONNREFUSED ${address}:${port}`), {
    code: 'ECONNREFUSED',
    address,
    port,
  });
}

it('names the dependency whose host and port the error tried', () => {
  expect(dependencyOf(refused(15432), endpoints)).toMatchObject({ name: 'postgres' });
  // localhost in the setting, 127.0.0.1 in the error: the same loopback.
  expect(dependencyOf(refused(16379), endpoints)).toMatchObject({ name: 'redis' });
  expect(dependencyOf(refused(19093), endpoints)).toMatchObject({ name: 'kafka' });
  // ioredis and pg wrap the socket error; Node reports every address it tried.
  expect(
    dependencyOf(new Error('Connection is closed.', { cause: refused(16379) }), endpoints),
  ).toMatchObject({ name: 'redis' });
  expect(
    dependencyOf(new AggregateError([refused(15432, '::1'), refused(15432)], ''), endpoints),
  ).toMatchObject({ name: 'postgres' });
});

it('reads host:port from the message when the error carries no fields', () => {
  expect(dependencyOf(new Error('connect ECONNREFUSED 127.0.0.1:16379'), endpoints)).toMatchObject({
    name: 'redis',
  });
  expect(dependencyOf(new Error('getaddrinfo ENOTFOUND db.internal'), endpoints)).toBeUndefined();
});

it('falls back on the client and Herald error types', () => {
  const kafkajs = Object.assign(new Error('Connection timeout'), {
    name: 'KafkaJSNumberOfRetriesExceeded',
  });
  expect(dependencyOf(kafkajs, endpoints)).toMatchObject({ name: 'kafka' });
  expect(
    dependencyOf(new HeraldError('HERALD_ERR_SCHEMA_REGISTRY_UNAVAILABLE', ['503']), endpoints),
  ).toEqual({ name: 'schemaRegistry' });
  expect(dependencyOf(new Error('something else'), endpoints)).toBeUndefined();
  expect(dependencyOf('a string', {})).toBeUndefined();
});

it('says where: the endpoint the error names, else the setting of the library that threw', () => {
  expect(dependencyOf(refused(19093), endpoints)).toEqual({
    name: 'kafka',
    endpoint: '127.0.0.1:19093',
  });
  // ioredis' own error names no address; its stack names the library.
  const closed = new Error('Connection is closed.');
  closed.stack = `Error: Connection is closed.\n    at EventEmitter.connectionCloseHandler (/app/node_modules/ioredis/built/Redis.js:272:28)`;
  expect(dependencyOf(closed, endpoints)).toEqual({ name: 'redis', endpoint: 'localhost:16379' });
  const pgError = new Error('Connection terminated unexpectedly');
  pgError.stack = `Error: Connection terminated unexpectedly\n    at Connection.<anonymous> (/app/node_modules/pg/lib/client.js:136:73)`;
  // The password in DATABASE_URL is never part of the answer.
  expect(dependencyOf(pgError, endpoints)).toEqual({
    name: 'postgres',
    endpoint: '127.0.0.1:15432',
  });
});

it('uses a port alone when only one dependency listens on it', () => {
  expect(dependencyOf(refused(15432, '10.0.0.5'), endpoints)).toMatchObject({ name: 'postgres' });
  expect(dependencyOf(refused(9999), endpoints)).toBeUndefined();
});
