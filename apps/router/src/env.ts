import { z } from 'zod';
import { kafkaEnv, lifecycleEnv, logEnv, parseEnv, type EnvSource } from '@herald/core';

const shape = {
  ...kafkaEnv(),
  ...logEnv(),
  ...lifecycleEnv(),
  /** YAML or JSON file with the routing rules. */
  HERALD_RULES_FILE: z
    .string({ message: 'expected the path of a rules YAML file, e.g. examples/demo/rules.yaml' })
    .min(1),
  /** Tenant of events that carry no `tenantid` extension. */
  HERALD_DEFAULT_TENANT: z.string().min(1).default('default'),
};

export type RouterEnv = ReturnType<typeof parseRouterEnv>;

/** Parses and freezes the router's settings; throws naming every bad one. */
export function parseRouterEnv(source: EnvSource) {
  return parseEnv(shape, source);
}
