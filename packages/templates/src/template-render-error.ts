import { HeraldError } from '@herald/core';

/** A render failure that knows which part failed (for validation reports). */
export class TemplateRenderError extends HeraldError {
  constructor(
    readonly part: string,
    args: readonly unknown[],
    cause?: unknown,
  ) {
    super('HERALD_ERR_TEMPLATE_RENDER', args, { cause });
  }
}
