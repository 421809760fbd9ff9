export { acceptEvents, eventRecord } from './event-records.js';
export type { EventVerdict } from './event-records.js';
export {
  applyRuleSource,
  applyTenantRules,
  rollbackTenantRules,
  tenantRuleHistory,
  tenantRules,
} from './rules.js';
export type { ApplyRuleSourceInput } from './rules.js';
export { renderTemplate, templateStore } from './templates.js';
