/**
 * `upcall demo`, `upcall paper`, `upcall bench`: the checkout's own scripts
 * (examples/demo.ts, bench/paper/run.ts, bench/run.ts). They are TypeScript programs that
 * run at their top level (not functions to import), and an installed package ships dist/
 * only, so from a checkout they run under tsx in a child process, from the package root;
 * anywhere else the command says how to get a checkout.
 */
import { spawn } from 'node:child_process';
import type { Context } from './context';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './io';
import { checkoutScript } from './modules';

export const SCRIPTS = {
  demo: { file: 'examples/demo.ts', npm: 'npm run demo', what: 'the demo' },
  paper: { file: 'bench/paper/run.ts', npm: 'npm run paper', what: 'the paper reproduction' },
  bench: { file: 'bench/run.ts', npm: 'npm run bench', what: 'the host benchmark' },
} as const;

export type ScriptName = keyof typeof SCRIPTS;

export async function scriptCommand(ctx: Context, name: ScriptName, args: readonly string[]): Promise<number> {
  const s = SCRIPTS[name];
  const found = checkoutScript(ctx.entryUrl, s.file);
  if (found === null) {
    ctx.io.err(`upcall ${name}: ${s.what} runs from a checkout of the upcall repository (${s.file} under tsx), and this upcall is an installed package, which ships dist/ only.\n` +
      `  In a checkout: npm ci, then ${s.npm}${args.length > 0 ? ` -- ${args.join(' ')}` : ''} (or npx upcall ${name} there).\n`);
    return EXIT_USAGE;
  }
  return new Promise<number>((settle) => {
    const child = spawn(process.execPath, [found.tsx, found.script, ...args], { cwd: found.root, stdio: ctx.io.inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (b: Buffer) => ctx.io.out(b.toString('utf8')));
    child.stderr?.on('data', (b: Buffer) => ctx.io.err(b.toString('utf8')));
    child.on('error', (e) => {
      ctx.io.err(`upcall ${name}: could not start ${found.tsx}: ${e.message}\n`);
      settle(EXIT_FAILURE);
    });
    child.on('close', (code, signal) => {
      if (signal !== null) ctx.io.err(`upcall ${name}: ${s.file} was stopped by ${signal}\n`);
      settle(code === 0 ? EXIT_OK : EXIT_FAILURE);
    });
  });
}
