import type { ColumnType, Generated } from 'kysely';
import type { ChannelName } from '@herald/core';

/** Tables of migrations/0003. */
export type TemplateTables = {
  template_applies: {
    revision: Generated<string>;
    applied_by: string;
    applied_at: Generated<Date>;
    summary: ColumnType<unknown, string, string>;
  };
  template_versions: {
    id: string;
    channel: string;
    locale: string;
    version: number;
    parts: ColumnType<unknown, string, string>;
    sample_data: ColumnType<unknown, string | null, string | null>;
    checksum: string;
    revision: string;
    created_by: string;
    created_at: Generated<Date>;
  };
  template_fragments: {
    kind: 'partial' | 'layout';
    name: string;
    locale: string;
    version: number;
    source: string;
    checksum: string;
    revision: string;
    created_by: string;
    created_at: Generated<Date>;
  };
};

/** One template of a file being applied (no version: the store assigns it). */
export interface TemplateInput {
  readonly id: string;
  readonly channel: ChannelName;
  readonly locale: string;
  readonly parts: unknown;
  /** Rendered when saved, and kept to re-check the template when a partial or layout changes. */
  readonly sampleData?: unknown;
}

export interface FragmentInput {
  readonly name: string;
  /** `default` when absent. */
  readonly locale?: string;
  readonly source: string;
}

export interface TemplateBundle {
  readonly templates: readonly TemplateInput[];
  readonly partials?: readonly FragmentInput[];
  readonly layouts?: readonly FragmentInput[];
}

/** A stored template version, shaped as `@herald/templates` takes it. */
export interface StoredTemplate {
  readonly id: string;
  readonly version: number;
  readonly channel: ChannelName;
  readonly locale: string;
  readonly parts: unknown;
}

/** What `load()` returns: every template version, the latest partials and layouts, and the revision. */
export interface TemplateSnapshot {
  readonly revision: string;
  readonly templates: readonly StoredTemplate[];
  readonly partials: readonly { name: string; locale?: string; source: string }[];
  readonly layouts: readonly { name: string; locale?: string; source: string }[];
}

/** A problem the validator found; `@herald/templates`' `TemplateProblem` has this shape. */
export interface TemplateValidationProblem {
  readonly template: string;
  readonly channel: string;
  readonly locale: string;
  readonly part?: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

/**
 * Validates one definition as it will be saved (the store depends on core only):
 * wire `validateTemplate` from `@herald/templates`, e.g.
 * `(def, sample, ctx) => validateTemplate(def, sample, ctx)`.
 */
export type TemplateValidator = (
  definition: StoredTemplate,
  sampleData: unknown,
  context: Pick<TemplateSnapshot, 'partials' | 'layouts'>,
) => readonly TemplateValidationProblem[];

export interface TemplateChange {
  readonly kind: 'template' | 'partial' | 'layout';
  /** Template id, or partial / layout name. */
  readonly name: string;
  /** Templates only. */
  readonly channel?: ChannelName;
  readonly locale: string;
  readonly action: 'created' | 'updated' | 'unchanged';
  /** The version in use after the apply. */
  readonly version: number;
  readonly previousVersion?: number;
}

export interface TemplateApplyResult {
  /** False for a dry run or when nothing changed. */
  readonly applied: boolean;
  /** The revision after the apply (unchanged when nothing was written). */
  readonly revision: string;
  readonly changes: readonly TemplateChange[];
}

export interface TemplateSummary {
  readonly id: string;
  readonly channel: ChannelName;
  readonly locale: string;
  readonly version: number;
  readonly versions: number;
  readonly updatedAt: Date;
  readonly updatedBy: string;
}
