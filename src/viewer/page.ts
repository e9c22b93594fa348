import { xmlText } from '../diagrams/escape.js';
import { pageScript } from './page-script.js';
import type { ViewerData } from './replay.js';
import { timelineSvg } from './timeline-svg.js';

/*
 * The counterexample viewer: one self-contained HTML page (no network fetch: the data, the
 * diagrams, the style and the script are all inline), so it can be attached to a bug report or
 * opened from disk. Layout for a 1280 px window: the story on the left, the selected step's state
 * on the right with the brokers side by side, the timeline above and the diagram below.
 */

const style = `
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#1a1a1a;background:#fafafa;font-size:14px}
header{padding:.6rem 1rem;background:#263238;color:#eceff1}
header h1{font-size:1.1rem;margin:0 0 .2rem}
header .meta{font-size:.85rem;color:#b0bec5}
header .broken{color:#ff8a80;font-weight:600}
main{padding:.5rem 1rem 1rem}
h2{font-size:1rem;margin:.8rem 0 .4rem}
h3{font-size:.95rem;margin:0 0 .3rem}
#timeline{background:#fff;border:1px solid #cfd8dc;border-radius:4px;padding:.2rem}
#timeline .tick{cursor:pointer}
#timeline .tick.selected line{stroke-width:4}
.cols{display:grid;grid-template-columns:minmax(16rem,22rem) minmax(0,1fr);gap:1rem;align-items:start}
.story{position:sticky;top:.5rem}
.controls{display:flex;gap:.4rem;align-items:center;margin-bottom:.3rem;font-size:.85rem;color:#555}
.controls button{font:inherit;padding:.15rem .6rem;cursor:pointer}
#steps{margin:0;padding:0 0 0 2.2rem;max-height:70vh;overflow:auto;background:#fff;border:1px solid #cfd8dc;border-radius:4px}
#steps li{padding:.25rem .4rem;cursor:pointer;border-bottom:1px solid #eceff1;line-height:1.3}
#steps li .time{color:#607d8b;font-variant-numeric:tabular-nums;font-size:.8rem}
#steps li.kind-fault{color:#8d3200}
#steps li.kind-violation{color:#b71c1c;font-weight:600}
#steps li.selected{background:#bbdefb;outline:2px solid #1565c0;outline-offset:-2px}
#step-title{margin:.2rem 0;padding:.4rem .6rem;background:#e3f2fd;border-left:4px solid #1565c0;font-weight:600}
#step-title.kind-fault{background:#fff3e0;border-color:#e65100}
#step-title.kind-violation{background:#ffebee;border-color:#c62828}
#snap-time{font-size:.8rem;color:#607d8b;margin-bottom:.4rem}
#brokers{display:grid;gap:.6rem}
.broker{background:#fff;border:1px solid #90a4ae;border-radius:4px;padding:.4rem;min-width:0}
.broker.down{background:#ffebee;border-color:#e53935}
.broker.down h3{color:#c62828}
.replica{margin-bottom:.5rem}
.replica-head{display:flex;justify-content:space-between;gap:.3rem;font-weight:600;min-width:0}
.replica-head .partition{flex:none}
.role{font-weight:600;font-size:.8rem;padding:0 .3rem;border-radius:3px;background:#eceff1;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.role-Leader{background:#c8e6c9;color:#1b5e20}
.role-Follower{background:#e3f2fd;color:#0d47a1}
.role-Offline{background:#eeeeee;color:#616161}
.facts{display:flex;flex-wrap:wrap;gap:.1rem .6rem;font-size:.85rem;margin:.15rem 0;font-variant-numeric:tabular-nums}
.fact.changed{background:#fff59d;border-radius:2px}
.log-wrap{max-height:15rem;overflow:auto;border:1px solid #eceff1}
table.log{border-collapse:collapse;width:100%;font-size:.82rem;font-variant-numeric:tabular-nums}
table.log th{position:sticky;top:0;background:#eceff1;text-align:left;font-weight:600;padding:.05rem .3rem}
table.log td{padding:.05rem .3rem;border-top:1px solid #f5f5f5;white-space:nowrap}
table.log td.num{text-align:right;width:3.5em}
table.log tr.uncommitted td{color:#795548;background:#fffde7;font-style:italic}
table.log tr.unflushed td{color:#b71c1c;background:#fff3e0}
.role-disk{background:#ffe0b2;color:#4e2600}
table.log tr.new td:first-child{box-shadow:inset 3px 0 0 #43a047}
.muted,.empty{color:#757575;font-style:italic}
.group{background:#fff;border:1px solid #90a4ae;border-radius:4px;padding:.4rem;margin-bottom:.5rem}
table.grid{border-collapse:collapse;font-size:.85rem;width:100%}
table.grid td,table.grid th{border:1px solid #e0e0e0;padding:.1rem .35rem;text-align:left}
tr.down td{color:#c62828}
.chip{display:inline-block;margin:0 .3rem .3rem 0;padding:.05rem .4rem;border-radius:3px;background:#eceff1;font-size:.8rem}
.chip.down{background:#ffcdd2;color:#b71c1c}
#history-box{max-height:12rem;overflow:auto;background:#fff;border:1px solid #cfd8dc;border-radius:4px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.78rem}
#history{margin:0;padding:.2rem .4rem .2rem 0;list-style:none}
#history li{white-space:pre;padding:0 .3rem}
#history li.new{background:#e8f5e9}
#sequence{max-height:34rem;overflow:auto;background:#fff;border:1px solid #cfd8dc;border-radius:4px}
#sequence svg{max-width:100%;height:auto}
#sequence g[data-step]{cursor:pointer}
#sequence g.sel text{fill:#0d47a1;font-weight:bold}
#sequence g.sel rect{stroke:#0d47a1;stroke-width:3}
#sequence g.sel line,#sequence g.sel path{stroke:#0d47a1;stroke-width:3}
.legend{font-size:.8rem;color:#555}
.legend span{display:inline-block;width:.8rem;height:.8rem;vertical-align:middle;margin:0 .2rem 0 .6rem}
`;

/** JSON inside a <script> element: `<` escaped so no `</script>` or `<!--` ends it early. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function viewerPage(d: ViewerData): string {
  const broken = d.violation ? `<span class="broken">${xmlText(d.violation.property)} broken at ${d.violation.time} ms: ${xmlText(d.violation.message)}</span>` : 'no property broken';
  const ops = d.history.length;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Self-contained on purpose: nothing is fetched, not even a favicon.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    '<link rel="icon" href="data:,">',
    `<title>kafka-model: ${xmlText(d.title)}</title>`,
    `<style>${style}</style>`,
    '</head><body>',
    `<header><h1>${xmlText(d.title)}</h1><div class="meta">Kafka ${xmlText(d.kafka)}, preset ${xmlText(d.preset)}, seed ${d.seed}, ${d.durationMs} ms of virtual time, ${d.steps.length} ${d.steps.length === 1 ? 'step' : 'steps'}, ${ops} history ${ops === 1 ? 'operation' : 'operations'}. ${broken}</div></header>`,
    '<main>',
    '<h2>Timeline</h2>',
    `<div id="timeline">${timelineSvg(d)}</div>`,
    '<div class="legend">Lanes: <span style="background:#e53935"></span>down <span style="background:#fb8c00"></span>cut off <span style="background:#fdd835"></span>slowed; ticks: story steps (click one).</div>',
    '<div class="cols">',
    '<div class="story"><h2>Story</h2>',
    '<div class="controls"><button id="prev" type="button" title="previous step (left arrow)">&larr; prev</button><button id="next" type="button" title="next step (right arrow)">next &rarr;</button><span>arrow keys step</span></div>',
    '<ol id="steps" role="listbox" aria-label="story steps"></ol></div>',
    '<div class="state">',
    '<div id="step-title" aria-live="polite"></div><div id="snap-time"></div>',
    '<h2>Brokers</h2><div id="brokers"></div>',
    '<div class="legend">Log rows in italics on a yellow ground are above the high watermark (not committed); on a down broker, rows in red are not flushed; a green edge marks a record new or changed since the previous step.</div>',
    '<section id="groups-section"><h2>Consumer groups</h2><div id="groups"></div></section>',
    '<h2>Other nodes</h2><div id="nodes"></div>',
    '<h2>History so far <span id="history-count" class="legend"></span></h2>',
    '<div id="history-box"><ol id="history"></ol></div>',
    '</div></div>',
    `<h2>Sequence diagram (the story's entries and the messages that caused them)</h2>`,
    `<div id="sequence">${d.sequenceSvg}</div>`,
    `<p class="legend">Trace hash ${xmlText(d.traceHash ?? '(not kept)')}.</p>`,
    '</main>',
    `<script type="application/json" id="viewer-data">${scriptJson({ ...d, sequenceSvg: undefined })}</script>`,
    `<script>${pageScript}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
