/** A V8 profile frame's code position, as CPU and heap profiles both give it. */
export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

/** Where a frame's code lives: an npm package, a Herald workspace, node itself, or V8. */
export function packageOf(url: string, functionName: string): string {
  if (!url) return `(${functionName || 'native'})`;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 14).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  // Any checkout: …/<apps|packages|tooling|bench>/<workspace>/<dist|src|preload>/…
  const ws = /\/(apps|packages|tooling|bench)\/([^/]+)\/(?:dist|src|preload)\//.exec(url);
  if (ws) return `@herald/${ws[2]}`;
  return url;
}

/** A frame as one line: its function and where it is, relative to node_modules or the checkout. */
export function frameLabel({ functionName, url, lineNumber }: CallFrame): string {
  const where = url
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/((?:apps|packages|tooling|bench)\/)/, '$1');
  return `${functionName || '(anonymous)'} ${url ? `${where}:${lineNumber + 1}` : ''}`.trim();
}
