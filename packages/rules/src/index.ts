export { loadRules } from './rules/load-rules.js';
export type { LoadRulesOptions } from './rules/load-rules.js';
export { tenantFor } from './rules/rule-set.js';
export type { MatchResult, RuleSet, RuleVerdict } from './rules/rule-set.js';
export type {
  DedupeMark,
  EvalErrorReport,
  Rule,
  RuleChannel,
  RuleDedupe,
  RuleMatch,
  SourcePosition,
} from './rules/rule.js';
export { RulesSourceError } from './rules/rules-source-error.js';
export type { RuleProblem } from './rules/rules-source-error.js';
export { parseDuration } from './rules/duration.js';
export { ruleDefinition } from './rules/rule-definition.js';
export { recipientRefs } from './plan/recipient-refs.js';
export type { RecipientRef } from './plan/recipient-refs.js';
export { planDeliveries, prepareDeliveries } from './plan/plan-deliveries.js';
export { TOPIC_PREFIX } from './plan/plan-targets.js';
export type {
  Deferral,
  PlanContext,
  PlanResult,
  PreparedDeliveries,
  RecipientLookup,
} from './plan/plan-deliveries.js';
export { suppressMatch, suppressionReasons } from './plan/suppression.js';
export type { Suppression, SuppressionReason } from './plan/suppression.js';
export type { AddressMark, Recipient } from './plan/recipient.js';
export { decidePreferences, mergePreferences } from './preferences/preferences.js';
export type { DeliveryFacts, PreferenceDecision, Preferences } from './preferences/preferences.js';
export { quietHoursEnd } from './preferences/quiet-hours.js';
export type { QuietHours } from './preferences/quiet-hours.js';
export { dedupeMark, withinWindow } from './dedupe/dedupe-mark.js';
export { CelEngine } from './cel/cel-engine.js';
export type {
  CelActivation,
  CelCompileFailure,
  CelCompileResult,
  CelEvalResult,
  CelProgram,
  CelResultKind,
} from './cel/cel-engine.js';
export { toCelValue, fromCelValue } from './cel/cel-value.js';
export { severities, priorityFor, severityOf } from './severity.js';
export type { Severity } from './severity.js';
export { eventLabels, formatMatcher, matchesAll } from './silences/matchers.js';
export type { LabelMatcher, MatchOperator } from './silences/matchers.js';
export { checkSilenceRequest, silenceFor } from './silences/silence.js';
export type { Silence, SilenceFieldProblem, SilenceRequest } from './silences/silence.js';
export type { InhibitRule } from './silences/inhibit-schema.js';
export {
  encodeMark,
  inhibitingEvent,
  inhibitionLookups,
  inhibitionMarks,
} from './silences/inhibition.js';
export type { InhibitionLookup, InhibitionMark } from './silences/inhibition.js';
export type { RuleFallback } from './rules/fallback-schema.js';
// Digest, delay and cancel (issue 16).
export { cancellationsFor } from './rules/cancellations.js';
export type { Cancellation } from './rules/cancellations.js';
export type { RuleCancel, RuleDigest } from './rules/rule.js';
