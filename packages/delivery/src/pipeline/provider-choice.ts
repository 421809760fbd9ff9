import type { DeliveryJob } from '@herald/core';
import { endpointOf, type BreakerRegistry, type CircuitBreaker } from '../circuit-breaker.js';
import type { SendPort } from './ports.js';

/** A provider whose breaker let one request through, and that breaker. */
export interface ChosenProvider {
  readonly name: string;
  readonly breaker: CircuitBreaker;
  readonly probe: boolean;
}

/**
 * Provider failover (docs/reliability.md): a job's providers in the channel's order
 * (`HERALD_EMAIL_PROVIDERS=ses,smtp`), and the first from `from` on whose breaker lets a
 * request through. Always asking in order is what moves a channel back: once the first
 * provider's breaker half-opens, its probe is the next send, and a success closes it.
 * Returns the earliest time a breaker reopens when none lets anything through.
 */
export function chooseProvider(
  channels: SendPort,
  breakers: BreakerRegistry,
  job: DeliveryJob,
  from = 0,
):
  | { readonly chosen: ChosenProvider; readonly index: number }
  | { readonly retryAt: number; readonly endpoints: string } {
  const chain = providerChain(channels, job);
  let retryAt = Number.POSITIVE_INFINITY;
  const closed: string[] = [];
  for (let i = from; i < chain.length; i++) {
    const name = chain[i]!;
    const endpoint = endpointOf(name, job.recipient.address);
    const breaker = breakers.for(endpoint);
    const verdict = breaker.allow();
    if (verdict.allowed) return { chosen: { name, breaker, probe: verdict.probe }, index: i };
    retryAt = Math.min(retryAt, verdict.retryAt);
    closed.push(endpoint);
  }
  return { retryAt, endpoints: closed.join(', ') };
}

/** The provider names of a job's channel, in failover order (one when the port has no chains). */
export function providerChain(channels: SendPort, job: DeliveryJob): readonly string[] {
  const chain = channels.providersFor?.(job);
  if (chain !== undefined && chain.length > 0) return chain.map((p) => p.name);
  const one = channels.providerFor(job);
  return one === undefined ? [] : [one.name];
}
