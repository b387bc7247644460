/**
 * The HTML timeline of a known run in headless Debian Chromium (playwright-core pointed at
 * /usr/bin/chromium): the failing replay of the bank race (examples/race-bank.ts), recorded,
 * rendered with its race window, its injected interrupt and its failure point highlighted.
 * It loads with no console errors, its lanes and events are in the DOM, hovering a segment
 * shows its details, and a screenshot is written to docs/timeline.png (the README shows it).
 * Skipped, saying so, only where Chromium is absent (the pretest installs it where it may).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { bank } from '../../../examples/race-bank';
import { htmlTimeline } from '../../../src/index';
import type { RunTrace } from '../../../src/index';
import { replay } from '../../../src/testing/index';
import { windowsOf } from '../../../src/cli/trace-flags';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.warn(`screenshot.test.ts: skipping: ${CHROMIUM} is absent (apt-get install -y chromium)`);
const REPLAY = 's1;irq@main/1:teller:check#1+0';
const SHOT = join(import.meta.dirname, '../../../docs/timeline.png');

/** The bank scenario's failing run, recorded (the scenario's machine with record on). */
function knownRun(): { trace: RunTrace; failure: string } {
  const s = bank();
  const r = replay({ ...s, machine: { ...s.machine, record: true } }, REPLAY);
  expect(r.ok).toBe(false);
  return { trace: r.report!.records!, failure: r.failure ?? '' };
}

describe('the timeline of a known run in Chromium', () => {
  it.skipIf(!HAS_CHROMIUM)('loads with no console errors, draws lanes and events, shows details on hover, and writes a screenshot', async () => {
    const { trace, failure } = knownRun();
    const inject = trace.records.find((x) => x.kind === 'inject');
    expect(inject).toBeDefined();
    // the tellers' passes through `check`, from the window notes; the interrupt lands in the first
    const windows = windowsOf(trace);
    expect(windows.length).toBe(4);
    expect(windows.some((w) => w.from <= inject!.time && inject!.time <= w.to)).toBe(true);
    const html = htmlTimeline(trace, {
      title: `bank race: ${REPLAY}`,
      highlight: {
        window: windowsOf(trace),
        events: [{ time: inject!.time, cpu: inject!.cpu, label: `irq@main/1:teller:check#1+0` }],
        failure: { time: trace.endTime, label: failure.slice(0, 80) },
      },
    });
    const dir = mkdtempSync(join(tmpdir(), 'upcall-shot-'));
    const file = join(dir, 'timeline.html');
    writeFileSync(file, html);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 520 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      await page.goto(pathToFileURL(file).href);
      expect(await page.locator('.lane.cpu-lane').count()).toBe(1);
      expect(await page.locator('.lane.thread-lane').count()).toBe(3); // main and two tellers
      expect(await page.locator('.seg').count()).toBeGreaterThan(10);
      expect(await page.locator('.instant').count()).toBeGreaterThan(0);
      expect(await page.locator('.highlight-failure').count()).toBe(1);
      await page.hover('.lane[data-cpu="0"] .seg-thread >> nth=1');
      const tip = await page.locator('.tooltip').innerText();
      expect(tip).toMatch(/T\d\((main|teller)\)/);
      expect(tip).toContain('cpu: 0');
      await page.mouse.move(5, 5);
      await page.screenshot({ path: SHOT });
      expect(existsSync(SHOT)).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
