// pretest: the HTML timeline's browser tests (test/src/trace/html.test.ts) drive Debian's
// Chromium through playwright-core (no browser download works on these machines). On a
// machine without /usr/bin/chromium, install it from Debian when we may (root, apt-get),
// without recommended packages to keep it short. Anything else prints why, and those
// tests then skip saying so; the rest of `npm test` is unaffected.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) {
    console.warn(`pretest: ${CHROMIUM} is missing and cannot be installed here (needs root and apt-get): the browser tests will skip`);
  } else {
    const apt = (args) => execFileSync('apt-get', args, { stdio: 'inherit', timeout: 240_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    const t0 = Date.now();
    try {
      try {
        apt(['install', '-y', '-q', '--no-install-recommends', 'chromium']);
      } catch {
        apt(['update', '-q']);
        apt(['install', '-y', '-q', '--no-install-recommends', 'chromium']);
      }
      console.log(`pretest: installed Debian chromium in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    } catch (e) {
      console.warn(`pretest: could not install chromium (${e instanceof Error ? e.message.split('\n')[0] : String(e)}): the browser tests will skip`);
    }
  }
}
