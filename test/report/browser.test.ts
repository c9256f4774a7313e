import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dumpDom, findChromium, screenshot } from '../../scripts/chromium.mjs';
import { renderReportHtml } from '../../src/report/html.js';
import { computeMetrics } from '../../src/report/metrics.js';
import { renderTimelineSvg } from '../../src/report/svg.js';
import { fixtureModel } from './fixtures.js';

// The report and its SVG rendered by a real browser: Debian's chromium, which scripts/setup-e2e.mjs
// installs when missing (as root). Without it, these tests are skipped, saying so.
const chromium = findChromium();
if (chromium === undefined)
  console.warn(
    'report browser tests skipped: no chromium (run node scripts/setup-e2e.mjs as root)',
  );

const dir = mkdtempSync(path.join(tmpdir(), 'ccglm-browser-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function render(name: string, text: string): { dom: string; console: string[] } {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return dumpDom(chromium as string, file);
}

/** The elements of `dom` with attribute data-id, as id -> data-state, in the order of `selector`. */
function states(dom: string, tag: string, cls: string): Map<string, string> {
  const found = new Map<string, string>();
  const pattern = new RegExp(`<${tag} class="${cls}" data-id="([^"]+)" data-state="([^"]+)"`, 'g');
  for (const match of dom.matchAll(pattern)) found.set(match[1] as string, match[2] as string);
  return found;
}

describe.skipIf(chromium === undefined)('the report in headless Chromium', () => {
  it('the HTML report of a failed run: task rows with their states, critical path drawn, no errors', () => {
    const model = fixtureModel('failed');
    const html = renderReportHtml(model, computeMetrics(model), new Map(), 0);
    // Self-contained: the only address is the SVG namespace.
    expect(html.match(/https?:\/\/[^\s"']+/g) ?? []).toEqual(['http://www.w3.org/2000/svg']);
    const { dom, console } = render('failed.html', html);
    expect(console).toEqual([]);
    expect(dom).toMatch(/<pre id="report-errors" hidden=""><\/pre>/);
    // The page's script ran over every timeline row.
    expect(dom).toContain('data-ready="5"');
    expect(states(dom, 'g', 'task')).toEqual(
      new Map([
        ['T1', 'Failed'],
        ['T2', 'Completed'],
        ['T3', 'Blocked'],
        ['T4', 'Blocked'],
        ['T5', 'Blocked'],
      ]),
    );
    expect(states(dom, 'tr', 'task-row').get('T1')).toBe('Failed');
    expect(dom).toMatch(/<g id="critical-path"><rect class="critical" data-id="T\d"/);
  });

  it('the timeline of a rate-limited run as a standalone SVG: restart and pause marked', () => {
    const svg = renderTimelineSvg(fixtureModel('rate-limited'));
    const { dom, console } = render('rate-limited.svg', svg);
    expect(console).toEqual([]);
    expect(dom).not.toContain('parsererror');
    expect([...states(dom, 'g', 'task').values()]).toEqual(Array(5).fill('Completed'));
    expect(dom).toContain('class="restart rate-limit"');
    expect(dom).toContain('class="pause"');
    expect(dom).toContain('class="earlier-attempt"');
    expect(dom).toMatch(/<g id="critical-path">(<rect class="critical"[^>]*\/>)+<\/g>/);
  });

  it('a page error shows (the checks above can fail)', () => {
    const model = fixtureModel('completed');
    const html = renderReportHtml(model, computeMetrics(model), new Map(), 0).replace(
      '</body>',
      '<script>undefinedFunction();</script></body>',
    );
    const { dom } = render('broken.html', html);
    expect(dom).toMatch(/<pre id="report-errors">[^<]*undefinedFunction/);
    const invalid = render('broken.svg', renderTimelineSvg(model).replace('</svg>', '<g></svg>'));
    expect(invalid.dom).toContain('parsererror');
  });

  it('a screenshot (what scripts/report-screenshot.mjs makes for the README) is a PNG', () => {
    const model = fixtureModel('completed');
    const file = path.join(dir, 'shot.html');
    writeFileSync(file, renderReportHtml(model, computeMetrics(model), new Map(), 0));
    const png = path.join(dir, 'shot.png');
    screenshot(chromium as string, file, png, 800, 600);
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(bytes.length).toBeGreaterThan(10_000);
  });
});
