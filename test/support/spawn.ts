import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, with optional stdin, and collects its output. */
export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {},
): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Runs a TypeScript file of the test suite in a child Node process (through tsx). */
export function runTs(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<Spawned> {
  return run(process.execPath, ['--import', 'tsx', file, ...args], { env });
}
