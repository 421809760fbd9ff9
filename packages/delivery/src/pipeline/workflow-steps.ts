import { HeraldError, type DeliveryJob } from '@herald/core';
import type { Outputs } from './outputs.js';
import type { ConsumedRecord, OutputMessage, PipelineDeps } from './ports.js';

/**
 * The digest and cancel steps of one job (issue 16), before anything is sent:
 * - a job with a `cancelKey` asks for its attempt's decision (`cancelled` → the job
 *   ends with status `cancelled` and the cancelling event's id);
 * - a job with `digest` is appended to its digest and ends with status `digested`.
 * Returns the job's outputs when it ends here, undefined when it goes on to send.
 * A job that needs the store on a worker without one is dead-lettered.
 */
export async function workflowStep(
  deps: Pick<PipelineDeps, 'workflow'>,
  outputs: Outputs,
  record: ConsumedRecord,
  job: DeliveryJob,
): Promise<OutputMessage[] | undefined> {
  if (job.cancelKey === undefined && job.digest === undefined) return undefined;
  const workflow = deps.workflow;
  if (workflow === undefined) {
    const reason = new HeraldError('HERALD_ERR_WORKFLOW_NO_STORE', [
      job.notificationId,
      job.digest === undefined ? 'a cancellation key' : 'a digest',
    ]).message;
    return outputs.deadLetter(record, 'permanent', reason, job, [
      ...(job.history ?? []),
      outputs.attemptRecord(job, 'permanent', reason),
    ]);
  }
  if (job.cancelKey !== undefined) {
    const verdict = await workflow.decideCancel(job);
    if (verdict.decision === 'cancelled')
      return [
        outputs.status(
          job,
          'cancelled',
          { reason: `cancelled by event ${verdict.eventId}`, cancelEventId: verdict.eventId },
          record,
        ),
      ];
  }
  if (job.digest !== undefined) {
    const { digestId } = await workflow.collect(job);
    return [
      outputs.status(
        job,
        'digested',
        { reason: `collected into digest ${digestId}`, digestId },
        record,
      ),
    ];
  }
  return undefined;
}
