import type { TemplateProblem } from './compiled-template.js';
import type { TemplateDefinition } from './template-definition.js';
import { TemplateRegistry } from './template-registry.js';
import type { TemplateRegistryOptions, ValidateOptions } from './template-registry-options.js';

/**
 * Validates a template definition as it would be saved and returns all its problems
 * (an empty array when it is fine). Partials, layouts, helpers and limits come from
 * `options`, as the registry it will be added to would have them.
 *
 * @example
 * const problems = validateTemplate(
 *   { id: 'alert', version: 1, channel: 'telegram', locale: 'default', parts: { text: 'Done.' } },
 *   {},
 * );
 * // [{ code: 'HERALD_ERR_TEMPLATE_INVALID', part: 'text', line: 1, column: 5,
 * //    message: 'unescaped "." ...' }]
 */
export function validateTemplate(
  def: TemplateDefinition,
  sampleData: unknown,
  options: TemplateRegistryOptions & ValidateOptions = {},
): TemplateProblem[] {
  return new TemplateRegistry(options).validate(def, sampleData, options);
}
