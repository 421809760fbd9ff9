import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const chartDir = fileURLToPath(new URL('../../herald', import.meta.url));

/** A rendered Kubernetes object, loosely typed: tests read what they check. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = { apiVersion: string; kind: string; metadata: any; spec?: any; data?: any };

export interface Rendered {
  readonly objects: K8sObject[];
  readonly notes: string;
}

function helm(args: string[]): string {
  const bin = process.env.HELM_BINARY;
  if (!bin)
    throw new Error('HELM_BINARY not set: run through jest (test/global-setup.js builds helm)');
  return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `helm template` with these values (and the NOTES), as parsed objects. */
export function render(values: object, release = 'herald'): Rendered {
  const dir = mkdtempSync(join(tmpdir(), 'herald-helm-'));
  try {
    const file = join(dir, 'values.json');
    writeFileSync(file, JSON.stringify(values));
    const args = [
      'template',
      release,
      chartDir,
      '--namespace',
      'notify',
      '--kube-version',
      '1.31.0',
    ];
    const text = helm([...args, '-f', file]);
    const documents = parseAllDocuments(text);
    // Two objects run together (a lost `---`) show up as duplicate keys.
    const errors = documents.flatMap((d) => d.errors.map((e) => e.message));
    if (errors.length > 0) throw new Error(`rendered YAML is invalid: ${errors.join('; ')}`);
    const objects = documents
      .map((d) => d.toJS() as K8sObject | null)
      .filter((o): o is K8sObject => o !== null);
    return { objects, notes: renderNotes(dir, file) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `helm template` never prints NOTES.txt (only `install`, which needs a cluster), so a
 * copy of the chart renders it as the data of a ConfigMap.
 */
function renderNotes(dir: string, valuesFile: string): string {
  const copy = join(dir, 'herald');
  cpSync(chartDir, copy, { recursive: true });
  const notes = readFileSync(join(chartDir, 'templates/NOTES.txt'), 'utf8');
  writeFileSync(
    join(copy, 'templates/_notes-check.tpl'),
    `{{- define "notes-check" -}}\n${notes}\n{{- end -}}\n`,
  );
  writeFileSync(
    join(copy, 'templates/notes-check.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: notes }\ndata:\n  notes: {{ include "notes-check" . | toJson }}\n',
  );
  const out = helm([
    'template',
    'herald',
    copy,
    '--namespace',
    'notify',
    '--kube-version',
    '1.31.0',
    '-f',
    valuesFile,
    '--show-only',
    'templates/notes-check.yaml',
  ]);
  return (parseAllDocuments(out)[0]!.toJS() as { data: { notes: string } }).data.notes;
}

/** The error helm prints for these values (schema or `fail`), or undefined if it renders. */
export function renderError(values: object): string | undefined {
  try {
    render(values);
    return undefined;
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err);
  }
}
