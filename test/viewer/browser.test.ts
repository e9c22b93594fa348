import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../src/cli/commands/run.js';
import { viewerHtml } from '../../src/viewer/index.js';

/**
 * The counterexample viewer in Debian's Chromium (through playwright-core, which never downloads
 * a browser): stepping with the keys and by clicking changes the step and the state shown, nothing
 * is fetched, and nothing logs an error. Skips only when there is no Chromium and not in CI.
 */
const chromium = '/usr/bin/chromium';
const skip = !existsSync(chromium) && !process.env.CI;
if (skip) console.warn(`skipping the viewer browser test: ${chromium} is absent (install Debian's chromium package; in CI it is required)`);

const scenarioPath = fileURLToPath(new URL('../../docs/counterexamples/no-data-loss-rf2.json', import.meta.url));

describe.skipIf(skip)('the viewer page in a browser', () => {
  it('steps with arrow keys and clicks, shows each step state, fetches nothing, logs no error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafka-model-viewer-'));
    const page_ = join(dir, 'viewer.html');
    writeFileSync(page_, viewerHtml(loadScenarioFile(scenarioPath), 'no-data-loss-rf2.json'));
    const { chromium: pw } = await import('playwright-core');
    const browser = await pw.launch({
      executablePath: chromium,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`file://${page_}`);
      // Evaluated in the page (a string: the tests are compiled without the DOM's types).
      const shown = () =>
        page.evaluate<{ title: string; brokers: string; selected: number; rows: number }>(`({
          title: document.getElementById('step-title').textContent,
          brokers: document.getElementById('brokers').innerText,
          selected: [...document.querySelectorAll('#steps li')].findIndex((li) => li.classList.contains('selected')),
          rows: document.querySelectorAll('#sequence g.sel').length,
        })`);

      const first = await shown();
      expect(first.title).toMatch(/^Step 1 of \d+/);
      expect(first.selected).toBe(0);
      expect(first.rows).toBeGreaterThan(0);
      // Brokers side by side, each with its log and its numbers.
      const cards = await page.$$eval('#brokers .broker', (els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ x: r.x, y: r.y, w: r.width })));
      expect(cards.length).toBe(3);
      expect(new Set(cards.map((c) => Math.round(c.y))).size).toBe(1);
      expect(cards[1]!.x).toBeGreaterThan(cards[0]!.x + cards[0]!.w - 1);
      expect(first.brokers).toMatch(/LEO \d+/);
      expect(first.brokers).toMatch(/HW \d+/);
      expect(first.brokers).toMatch(/leader epoch \d+/);
      expect(first.brokers).toMatch(/ISR \{[\d,]*\}/);

      // Right arrow steps forward; the state shown is each step's own.
      const seen = [first];
      const total = Number(/of (\d+)/.exec(first.title)![1]);
      for (let i = 1; i < total; i++) {
        await page.keyboard.press('ArrowRight');
        seen.push(await shown());
      }
      expect(seen.map((s) => s.selected)).toEqual([...Array(total).keys()]);
      expect(new Set(seen.map((s) => s.brokers)).size).toBeGreaterThan(2);
      expect(seen[total - 1]!.title).toMatch(/PROPERTY BROKEN/);
      // A crash step shows the broker down.
      const crash = seen.findIndex((s) => / b1 crashes/.test(s.title));
      expect(crash).toBeGreaterThan(0);
      expect(seen[crash]!.brokers).toMatch(/b1 \(down\)/);
      expect(seen[crash - 1]!.brokers).not.toMatch(/b1 \(down\)/);
      // Past the end it stays; left arrow goes back.
      await page.keyboard.press('ArrowRight');
      expect((await shown()).selected).toBe(total - 1);
      await page.keyboard.press('ArrowLeft');
      expect((await shown()).brokers).toBe(seen[total - 2]!.brokers);

      // Clicks: a story step, a timeline tick.
      await page.click('#steps li:nth-child(2)');
      expect(await shown()).toEqual(seen[1]);
      // (Ticks of steps a millisecond apart overlap on screen: the click goes to this one's element.)
      await page.dispatchEvent(`#timeline .tick[data-n="${crash + 1}"]`, 'click');
      expect((await shown()).selected).toBe(crash);

      expect(requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:'))).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 30_000);
});
