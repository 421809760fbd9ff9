import { priorityFor, severityOf } from './severity.js';

describe('severity', () => {
  it('reads common producer vocabularies, case-insensitively', () => {
    expect(severityOf('CRITICAL')).toBe('critical');
    expect(severityOf('fatal')).toBe('critical');
    expect(severityOf('error')).toBe('high');
    expect(severityOf('warning')).toBe('normal');
    expect(severityOf('debug')).toBe('low');
    expect(severityOf('whatever')).toBeUndefined();
    expect(severityOf(5)).toBeUndefined();
  });

  it('maps to the higher of event and rule severity, normal by default', () => {
    expect(priorityFor(undefined, undefined)).toBe('normal');
    expect(priorityFor('critical', 'low')).toBe('critical');
    expect(priorityFor('low', 'high')).toBe('high');
    expect(priorityFor('low', undefined)).toBe('bulk');
    expect(priorityFor('nonsense', 'normal')).toBe('normal');
  });
});
