import {
  isHeraldError,
  type DeliveryJob,
  type DeliveryOutcome,
  type RenderedContent,
} from '@herald/core';
import type { TemplateRegistry } from '../template-registry.js';

/** What {@link renderForJob} gives the worker: content for `provider.send`, or a permanent failure. */
export type JobRenderResult =
  | {
      readonly status: 'rendered';
      /** `undefined` when the job has no template (a webhook sends `job.payload` as is). */
      readonly content: RenderedContent | undefined;
    }
  | Extract<DeliveryOutcome, { status: 'failed' }>;

export interface JobRenderOptions {
  /** The send time, for `relativeTime` and friends. */
  readonly now: Date;
  /** Recipient time zone when the job carries none (`job.timezone` wins). Default UTC. */
  readonly timezone?: string;
  /** Template data. Default: `job.payload` (the event's data). */
  readonly data?: unknown;
}

/**
 * Renders the content of one delivery job: `job.template.ref` for `job.channel`, in
 * `job.locale` and the recipient's time zone (`job.timezone`, else
 * `options.timezone`, else UTC), over the event's data. Never throws for a template
 * problem: a missing template, data that does not fit or output over a provider
 * limit is a **permanent** failure whose reason is the precise template error
 * (rendering again gives the same result), shaped as a `DeliveryOutcome`, so the
 * worker reports it like a provider's permanent failure.
 *
 * @example
 * const rendered = renderForJob(registry, job, { now: new Date() });
 * const outcome =
 *   rendered.status === 'rendered'
 *     ? await provider.send(job, rendered.content, signal)
 *     : rendered; // { status: 'failed', permanent: true, reason: 'HERALD_ERR_TEMPLATE_…' }
 */
export function renderForJob(
  registry: TemplateRegistry,
  job: DeliveryJob,
  options: JobRenderOptions,
): JobRenderResult {
  if (job.template === undefined) return { status: 'rendered', content: undefined };
  const timezone = job.timezone ?? options.timezone;
  try {
    const content = registry.render(
      job.template.ref,
      job.channel,
      job.locale,
      options.data === undefined ? job.payload : options.data,
      { now: options.now, ...(timezone === undefined ? {} : { timezone }) },
    );
    return { status: 'rendered', content };
  } catch (err) {
    // Every template error is deterministic: the same job renders the same way.
    const reason = isHeraldError(err)
      ? err.message
      : `HERALD_ERR_TEMPLATE_RENDER: template ${job.template.ref} (channel ${job.channel}): ${
          err instanceof Error ? err.message : String(err)
        }`;
    // A template the job cannot use is a request no retry fixes.
    return { status: 'failed', permanent: true, failureClass: 'invalid_request', reason };
  }
}
