import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMachineDiagrams } from '../../src/diagrams/docs.js';
import { machineRegistry } from '../../src/diagrams/registry.js';

/**
 * Every state diagram, rendered in Debian's Chromium (through playwright-core, as the viewer
 * test does), measured with the browser's own text boxes: no text overlaps another, every text
 * of a state lies inside the state's box and every cluster title inside its cluster, and
 * nothing lies outside the picture. Chromium draws Graphviz's "Helvetica" in DejaVu Sans here,
 * wider than the Helvetica widths Graphviz laid out for, so this is the harder case: narrower
 * fonts only leave more room. Skips only when there is no Chromium and not in CI.
 */
const chromium = '/usr/bin/chromium';
const skip = !existsSync(chromium) && !process.env.CI;
if (skip) console.warn(`skipping the diagram layout test: ${chromium} is absent (install Debian's chromium package; in CI it is required)`);

interface Page {
  setContent(html: string): Promise<void>;
  evaluate<T>(script: string): Promise<T>;
}

/** What is wrong with a picture's text, one line each (empty when nothing is). */
async function layoutProblems(page: Page, svg: string): Promise<string[]> {
  await page.setContent(`<!doctype html><html><body style="margin:0">${svg.replace(/<\?xml[^>]*>|<!DOCTYPE[^>]*>/g, '')}</body></html>`);
  // Evaluated in the page (a string: the tests are compiled without the DOM's types).
  return page.evaluate<string[]>(`(() => {
    const svg = document.querySelector('svg');
    const box = (el) => { const b = el.getBoundingClientRect(); return { x0: b.left, y0: b.top, x1: b.right, y1: b.bottom }; };
    // Half a pixel of slack for rounding; overlaps must exceed a pixel both ways to count.
    const within = (a, b) => a.x0 >= b.x0 - 0.5 && a.y0 >= b.y0 - 0.5 && a.x1 <= b.x1 + 0.5 && a.y1 <= b.y1 + 0.5;
    const picture = box(svg);
    const texts = [...svg.querySelectorAll('text')].map((t) => ({ s: t.textContent, b: box(t), owner: t.closest('g.node, g.cluster') }));
    const out = [];
    for (const t of texts) {
      if (!within(t.b, picture)) out.push('outside the picture: ' + JSON.stringify(t.s));
      // A state's (or a cluster's) text stays in its shape; label nodes have none.
      const shape = t.owner && t.owner.querySelector('path, polygon, ellipse');
      if (shape && !within(t.b, box(shape))) out.push('outside its box: ' + JSON.stringify(t.s));
    }
    for (let i = 0; i < texts.length; i++) {
      for (let j = i + 1; j < texts.length; j++) {
        const a = texts[i].b, b = texts[j].b;
        const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
        const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
        if (w > 1 && h > 1) out.push('overlap: ' + JSON.stringify(texts[i].s) + ' and ' + JSON.stringify(texts[j].s));
      }
    }
    return out;
  })()`);
}

describe.skipIf(skip)('state diagram layout, measured in a browser', () => {
  let browser: { newPage(): Promise<Page>; close(): Promise<void> };
  let page: Page;
  beforeAll(async () => {
    const { chromium: pw } = await import('playwright-core');
    browser = (await pw.launch({
      executablePath: chromium,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })) as unknown as typeof browser;
    page = await browser.newPage();
  }, 30_000);
  afterAll(async () => browser?.close());

  it('the measure finds overlapping text, text out of its box, and text out of the picture', async () => {
    const bad = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">
      <g class="node"><path d="M10,10 L60,10 L60,40 L10,40 Z" fill="none"/><text x="12" y="30" font-size="14">a long state name</text></g>
      <text x="100" y="60" font-size="14">first</text><text x="110" y="62" font-size="14">second</text>
      <text x="170" y="95" font-size="14">cut off</text></svg>`;
    const problems = await layoutProblems(page, bad);
    expect(problems).toContain('outside its box: "a long state name"');
    expect(problems).toContain('overlap: "first" and "second"');
    expect(problems).toContain('outside the picture: "cut off"');
  });

  it('no diagram has overlapping text, text out of its box, or text cut off', async () => {
    const files = await renderMachineDiagrams(machineRegistry(), 'svg');
    const svgs = files.filter((f) => f.path.endsWith('.svg'));
    expect(svgs.length).toBe(machineRegistry().length);
    for (const f of svgs) expect(await layoutProblems(page, f.content), f.path).toEqual([]);
  }, 60_000);

  it('draws the big machines with their nested states (clusters inside clusters)', async () => {
    const files = await renderMachineDiagrams(machineRegistry().filter((m) => ['replica', 'consumer'].includes(m.name)), 'svg');
    for (const f of files.filter((x) => x.path.endsWith('.svg'))) {
      await page.setContent(f.content.replace(/<\?xml[^>]*>|<!DOCTYPE[^>]*>/g, ''));
      // A cluster drawn inside another: its box lies within the other's.
      const nested = await page.evaluate<number>(`(() => {
        const boxes = [...document.querySelectorAll('g.cluster > path, g.cluster > polygon')].map((p) => p.getBoundingClientRect());
        return boxes.filter((a) => boxes.some((b) => b !== a && a.left >= b.left && a.right <= b.right && a.top >= b.top && a.bottom <= b.bottom)).length;
      })()`);
      expect(nested, f.path).toBeGreaterThanOrEqual(2);
    }
  });
});
