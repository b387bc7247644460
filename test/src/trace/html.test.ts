/**
 * The HTML timeline: (a) as a string: one self-contained document, labels escaped, the
 * lanes embedded as JSON; (b) in headless Chromium from a file:// URL: lanes, segments,
 * the hover tooltip, zoom and pan, the highlights. (b) is skipped only when
 * /usr/bin/chromium is absent (Debian: apt-get install -y chromium).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_SCRIPT } from '../../../src/trace/html-client';
import { htmlTimeline } from '../../../src/trace/html';
import type { HtmlTimelineOptions } from '../../../src/trace/html';
import { deriveLanes } from '../../../src/trace/lanes';
import { sample } from './fixture';

const EVIL = '</script><b>x</b>';
const trace = sample({ 1: 'T1(main)', 2: EVIL });
const options: HtmlTimelineOptions = {
  title: 'race <run> & "replay"',
  highlight: {
    window: [{ from: 40, to: 70, label: 'window </script><b>' }],
    events: [{ time: 85, cpu: 0, label: 'inject irq@85' }],
    failure: { time: 100, label: 'assertion failed' },
  },
};
const html = htmlTimeline(trace, options);

function embedded(doc: string): unknown {
  const open = '<script type="application/json" id="trace-data">';
  const i = doc.indexOf(open);
  const j = doc.indexOf('</script>', i);
  expect(i).toBeGreaterThan(0);
  return JSON.parse(doc.slice(i + open.length, j));
}

describe('htmlTimeline (string)', () => {
  it('is one self-contained document with no network reference', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    for (const tag of ['<html', '</html>', '<head>', '<body>', '<style>', '<svg id="timeline-svg"']) expect(html.split(tag)).toHaveLength(2);
    expect(html).not.toMatch(/https?:/i);
    expect(html).not.toMatch(/<link|<iframe|<img|\ssrc=|@import|@font-face/i);
    expect(html.match(/url\([^)]*\)/g) ?? []).toEqual(['url(#arrow)']);
    expect(html.match(/<script\b/g)).toHaveLength(2);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
  });

  it('escapes labels and the title', () => {
    expect(html).not.toContain('</script><b>');
    expect(html).not.toContain('<b>');
    expect(html).toContain('\\u003c/script\\u003e\\u003cb\\u003ex\\u003c/b\\u003e');
    expect(html).toContain('<title>race &#60;run&#62; &#38; &#34;replay&#34;</title>');
  });

  it('embeds the lanes and the highlights as JSON', () => {
    expect(embedded(html)).toEqual({
      lanes: JSON.parse(JSON.stringify(deriveLanes(trace))),
      highlight: {
        window: [{ from: 40, to: 70, label: 'window </script><b>' }],
        events: [{ time: 85, cpu: 0, label: 'inject irq@85' }],
        failure: { time: 100, label: 'assertion failed' },
      },
    });
    const plain = embedded(htmlTimeline(trace)) as { highlight: unknown };
    expect(plain.highlight).toEqual({ window: [], events: [], failure: null });
    expect(htmlTimeline(trace)).toContain('<title>upcall trace</title>');
  });

  it('inlines a client script that parses, ends no script element and names no URL', () => {
    expect(() => new Function(CLIENT_SCRIPT)).not.toThrow();
    expect(CLIENT_SCRIPT).not.toMatch(/<\/script|<!--|https?:/i);
    expect(html).toContain(CLIENT_SCRIPT);
  });

  it('keeps U+2028 / U+2029 in labels out of the script text', () => {
    const doc = htmlTimeline(sample({ 1: 'a\u2028b', 2: 'c\u2029d' }));
    expect(doc).not.toMatch(/[\u2028\u2029]/);
    const lanes = (embedded(doc) as { lanes: { threads: { label: string }[] } }).lanes;
    expect(lanes.threads.map((t) => t.label)).toEqual(['a\u2028b', 'c\u2029d']);
  });
});

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.warn(`html.test.ts: skipping the browser tests: ${CHROMIUM} is absent (apt-get install -y chromium)`);

describe('htmlTimeline in headless Chromium', () => {
  let browser: Browser | null = null;
  let page: Page;
  let dir = '';
  let url = '';
  const errors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    if (!HAS_CHROMIUM) return;
    dir = mkdtempSync(join(tmpdir(), 'upcall-html-'));
    const file = join(dir, 'timeline.html');
    writeFileSync(file, html);
    url = pathToFileURL(file).href;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('request', (r) => requests.push(r.url()));
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  const view = async (): Promise<[number, number]> => [
    Number(await page.getAttribute('#timeline', 'data-view-from')),
    Number(await page.getAttribute('#timeline', 'data-view-to')),
  ];

  it.skipIf(!HAS_CHROMIUM)('draws the CPU and thread lanes with their segments, instants and flows', async () => {
    await page.goto(url);
    expect(await page.locator('.lane.cpu-lane').count()).toBe(2);
    expect(await page.locator('.lane[data-cpu="0"] .seg').count()).toBe(9);
    expect(await page.locator('.lane[data-cpu="1"] .seg').count()).toBe(3);
    expect(await page.locator('.lane.thread-lane').count()).toBe(2);
    expect(await page.locator('.lane[data-thread="0.1"] .seg').count()).toBe(4);
    expect(await page.locator('.instant').count()).toBe(3);
    expect(await page.locator('.flow').count()).toBe(3);
    // The hostile label is text, not markup.
    expect(await page.locator('b').count()).toBe(0);
    expect(await page.locator('.labels text', { hasText: '</script>' }).count()).toBe(1);
    expect(await page.title()).toBe('race <run> & "replay"');
    expect(errors).toEqual([]);
    expect(requests.every((u) => u.startsWith('file:'))).toBe(true);
  });

  it.skipIf(!HAS_CHROMIUM)('shows a tooltip with the segment details on hover', async () => {
    await page.goto(url);
    const tip = page.locator('.tooltip');
    expect(await tip.isVisible()).toBe(false);
    await page.hover('.lane[data-cpu="1"] .seg-thread');
    expect(await tip.isVisible()).toBe(true);
    const t = await tip.innerText();
    for (const s of ['T1(main)', 'time: 90ns \u2013 120ns (30ns)', 'cpu: 1', 'process: p0 app', 'vCPU: 1', 'what: thread']) expect(t).toContain(s);
    await page.hover('.lane[data-thread="0.2"] .seg.state-running');
    const u = await tip.innerText();
    expect(u).toContain(EVIL);
    expect(u).toContain('state: running');
    await page.hover('.highlight-event path');
    expect(await tip.innerText()).toContain('inject irq@85');
    await page.mouse.move(5, 5);
    expect(await tip.isVisible()).toBe(false);
    expect(errors).toEqual([]);
  });

  it.skipIf(!HAS_CHROMIUM)('zooms with the buttons, the wheel and the keys, and pans by drag and arrows', async () => {
    await page.goto(url);
    expect(await view()).toEqual([0, 120]);
    const axis0 = await page.locator('#axis').innerHTML();
    await page.click('#zoom-in');
    expect(await view()).toEqual([30, 90]);
    expect(await page.locator('#view-span').innerText()).toContain('span 60ns');
    expect(await page.locator('#axis').innerHTML()).not.toBe(axis0);
    await page.click('#zoom-out');
    expect(await view()).toEqual([0, 120]);

    const box = await page.locator('#plot').boundingBox();
    if (box === null) throw new Error('no plot');
    await page.mouse.move(box.x + box.width / 4, box.y + 40);
    await page.mouse.wheel(0, -400);
    // The wheel draws on the next animation frame.
    await page.waitForFunction("Number(document.getElementById('timeline').getAttribute('data-view-to')) < 120");
    const [wf, wt] = await view();
    expect(wt - wf).toBeLessThan(120);
    // Zoomed about the cursor (a quarter in): the time under it stays put.
    expect(wf + (wt - wf) / 4).toBeCloseTo(30, 0);

    await page.keyboard.press('0');
    expect(await view()).toEqual([0, 120]);
    await page.keyboard.press('+');
    expect(await view()).toEqual([30, 90]);
    await page.keyboard.press('ArrowRight');
    expect(await view()).toEqual([36, 96]);
    await page.keyboard.press('ArrowLeft');
    expect(await view()).toEqual([30, 90]);

    // Drag left by a tenth of the plot: the view moves right by a tenth of its span.
    const y = box.y + 40;
    await page.mouse.move(box.x + box.width / 2, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 - box.width / 10, y, { steps: 4 });
    await page.mouse.up();
    const [df, dt] = await view();
    expect(df).toBeCloseTo(36, 0);
    expect(dt - df).toBeCloseTo(60, 6);
    expect(errors).toEqual([]);
  });

  it.skipIf(!HAS_CHROMIUM)('draws the highlights: the race window, the injected event, the failure line', async () => {
    await page.goto(url);
    const fail = page.locator('.highlight-failure');
    expect(await fail.count()).toBe(1);
    const plot = await page.locator('#plot').getAttribute('width');
    expect(Number(await fail.getAttribute('x1'))).toBeCloseTo((Number(plot) * 100) / 120, 3);
    expect(await page.locator('.highlight-failure-label').textContent()).toBe('assertion failed');
    expect(await page.locator('.highlight-window').count()).toBe(1);
    expect(await page.locator('.highlight-window-label').textContent()).toBe('window </script><b>');
    expect(await page.locator('.highlight-event[data-cpu="0"]').count()).toBe(1);
    expect(errors).toEqual([]);
  });
});
