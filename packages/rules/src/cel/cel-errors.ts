import { EvaluationError } from '@marcbachmann/cel-js';

/** An evaluation error as cel-js raises its own (a code and a one-line message). */
export function celError(code: string, message: string): EvaluationError {
  return new EvaluationError({ code, message });
}
