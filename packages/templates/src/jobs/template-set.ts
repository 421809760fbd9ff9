import type { ChannelName } from '@herald/core';
import type {
  LayoutDefinition,
  PartialDefinition,
  TemplateDefinition,
} from '../template-definition.js';
import { TemplateRegistry } from '../template-registry.js';
import type { TemplateRegistryOptions } from '../template-registry-options.js';

/**
 * Templates, partials and layouts as a store holds them (parts as plain JSON). The
 * structural form of `TemplateSnapshot` in `@herald/store`, so this package does not
 * depend on the store.
 */
export interface TemplateSet {
  readonly templates: readonly {
    readonly id: string;
    readonly version: number;
    readonly channel: ChannelName;
    readonly locale: string;
    readonly parts: unknown;
  }[];
  readonly partials?: readonly PartialDefinition[];
  readonly layouts?: readonly LayoutDefinition[];
}

/**
 * Builds a registry from stored templates. Each definition is checked for shape and
 * compiled (checks 1 and 2 of validation; the sample render ran when it was saved);
 * one that no longer compiles (e.g. a helper removed since) throws
 * HERALD_ERR_TEMPLATE_INVALID naming it, so a worker refuses to start or keeps its
 * previous registry on reload.
 *
 * @example
 * const registry = buildTemplateRegistry(await templateStore.load(), { limits });
 */
export function buildTemplateRegistry(
  set: TemplateSet,
  options: Omit<TemplateRegistryOptions, 'partials' | 'layouts'> = {},
): TemplateRegistry {
  const registry = new TemplateRegistry({
    ...options,
    partials: set.partials ?? [],
    layouts: set.layouts ?? [],
  });
  // The registry validates the shape of `parts` before using it.
  for (const def of set.templates) registry.add(def as TemplateDefinition);
  return registry;
}
