/**
 * Emits the package's declarations in memory (as `npm run build` would) and follows the imports of
 * the files the two entry points reach: what a consumer's compiler reads.
 */
import { dirname, join, posix, relative } from 'node:path';
import ts from 'typescript';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..', '..');

export interface DeclarationImports {
  /** The declaration files reached from index.d.ts and testing/index.d.ts, relative to dist/. */
  files: string[];
  /** `file: what` for each import of a module outside the package, or use of a Node global. */
  external: string[];
}

export function publicDeclarationImports(): DeclarationImports {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('tsconfig.json did not parse');
  // noCheck: declarations only, without the full type check (npm run typecheck does that).
  const options = {
    ...config.options,
    emitDeclarationOnly: true,
    declaration: true,
    sourceMap: false,
    noCheck: true,
  };
  const program = ts.createProgram(config.fileNames, options);
  const outDir = options.outDir ?? join(ROOT, 'dist');
  const emitted = new Map<string, string>();
  program.emit(undefined, (file, text) => {
    if (file.endsWith('.d.ts')) emitted.set(relative(outDir, file).split('\\').join('/'), text);
  });
  const files = new Set<string>();
  const external: string[] = [];
  const queue = ['index.d.ts', 'testing/index.d.ts'];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const text = emitted.get(file);
    if (text === undefined) throw new Error(`no declaration emitted for ${file}`);
    for (const match of text.matchAll(/(?:from|import\()\s*['"]([^'"]+)['"]/g)) {
      const specifier = match[1]!;
      if (specifier.startsWith('.')) {
        queue.push(posix.normalize(posix.join(posix.dirname(file), specifier.replace(/\.js$/, '.d.ts'))));
      } else {
        external.push(`${file}: ${specifier}`);
      }
    }
    for (const match of text.matchAll(/\b(Buffer|NodeJS\.\w+)\b/g)) external.push(`${file}: ${match[1]}`);
  }
  return { files: [...files].sort(), external };
}
