import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * docs/claims.html renders in headless Chromium: one SVG diagram per counterexample, witness and
 * measured plot, each with
 * a non-zero size, and no console errors. Skips only when there is no Chromium and not in CI.
 */
const chromium = '/usr/bin/chromium';
const html = fileURLToPath(new URL('../../docs/claims.html', import.meta.url));
const skip = !existsSync(chromium) && !process.env.CI;
if (skip) console.warn(`skipping the claims.html browser test: ${chromium} is absent (install Debian's chromium package; in CI it is required)`);

describe.skipIf(skip)('docs/claims.html in a browser', () => {
  it('renders every counterexample diagram without console errors', async () => {
    const { chromium: pw } = await import('playwright-core');
    const browser = await pw.launch({
      executablePath: chromium,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`file://${html}`);
      const text = readFileSync(html, 'utf8');
      // One diagram per counterexample and witness, and one plot per claim with measurements.
      const expected = (text.match(/<div class="diagram">/g) ?? []).length;
      expect(expected).toBeGreaterThanOrEqual((text.match(/<p><b>Counterexample<\/b>/g) ?? []).length + (text.match(/<p><b>Measurements<\/b>/g) ?? []).length);
      expect(expected).toBeGreaterThan(0);
      const sizes = await page.$$eval('.diagram > svg', (els) => els.map((e) => e.getBoundingClientRect()).map((r) => [r.width, r.height]));
      expect(sizes.length).toBe(expected);
      expect(await page.$$eval('svg', (els) => els.filter((e) => !e.parentElement?.closest('svg')).length)).toBe(expected);
      for (const [w, h] of sizes) expect(w! > 0 && h! > 0).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
