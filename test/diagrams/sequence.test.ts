import { describe, expect, it } from 'vitest';
import { renderScenarioDiagram } from '../../src/diagrams/index.js';
import { messageSummary, sequenceModel, stateText, traceToMermaidSequence } from '../../src/diagrams/sequence.js';
import { traceToSvgSequence } from '../../src/diagrams/sequence-svg.js';
import type { TraceEvent } from '../../src/sim/trace.js';

const decode = (s: string) => s.replace(/#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)));

/** A small story: a follower fetches, the leader crashes, a produce is lost, a property breaks. */
const story: TraceEvent[] = [
  { t: 0, e: 'state', node: 'b1/t-0', from: null, to: 'Leader' },
  { t: 3, e: 'deliver', from: 'b2', to: 'b1', sent: 1, msg: { type: 'Fetch', actor: 't-0', replicaId: 2, fetchOffset: 3, epoch: 0 } },
  { t: 4, e: 'timer', node: 'b1' },
  { t: 4, e: 'disk', node: 'b1', op: 'append', file: 't-0.log', n: 1 },
  { t: 5, e: 'deliver', from: 'b1', to: 'b2', sent: 5, msg: { type: 'FetchResponse', actor: 't-0', highWatermark: 3, records: [1, 2] } },
  { t: 6, e: 'fault', fault: { at: 6, type: 'crash', node: 'b1' } },
  { t: 7, e: 'drop', from: 'p0', to: 'b1', sent: 6, msg: { type: 'Produce', acks: 'all' }, reason: 'receiver-down' },
  { t: 8, e: 'fault', fault: { at: 8, type: 'partition', from: ['b2'], to: ['b3'], oneWay: true } },
  { t: 9, e: 'state', node: 'b2/t-0', from: 'Follower', to: 'Leader' },
  { t: 9, e: 'note', node: 'b2', text: 'truncated to 2' },
  { t: 10, e: 'violation', property: 'no-data-loss', message: 'acked offset 2 is gone' },
];

describe('traceToMermaidSequence', () => {
  const out = traceToMermaidSequence(story);

  it('has one lifeline per node, actors named in labels, in order of first appearance', () => {
    expect(out.startsWith('sequenceDiagram\n')).toBe(true);
    expect(out).toContain('  participant P1 as b1\n  participant P2 as b2\n  participant P3 as p0\n  participant P4 as b3\n');
    expect(out).not.toMatch(/participant \S+ as b1\/t-0/);
  });

  it('draws deliveries as arrows labelled with type, actor and key fields', () => {
    expect(out).toContain('  P2->>P1: t=1→3 Fetch [t-0] replicaId=2 fetchOffset=3 epoch=0\n');
    expect(out).toContain('  P1->>P2: t=5 FetchResponse [t-0] highWatermark=3 records=[2]\n');
  });

  it('draws a lost message as a -x arrow with the reason', () => {
    expect(out).toContain('  P3-xP1: t=7 Produce acks=all (lost: receiver-down)\n');
  });

  it('draws faults, state changes and notes as notes over the nodes concerned', () => {
    expect(out).toContain('  Note over P1: t=6 crash\n');
    expect(out).toContain('  Note over P2,P4: t=8 partition b2 -/-> b3\n');
    expect(out).toContain('  Note over P1: t=0 b1/t-0: start -> Leader\n');
    expect(out).toContain('  Note over P2: t=9 b2/t-0: Follower -> Leader\n');
    expect(out).toContain('  Note over P2: t=9 b2: truncated to 2\n');
  });

  it('highlights the violation over every lifeline', () => {
    expect(out).toContain('  rect rgb(255,220,220)\n    Note over P1,P4: t=10 VIOLATION no-data-loss: acked offset 2 is gone\n  end\n');
  });

  it('leaves out timers and disk writes unless asked', () => {
    expect(out).not.toContain('timer');
    expect(out).not.toContain('disk');
    const all = traceToMermaidSequence(story, { timers: true, disk: true });
    expect(all).toContain('  Note over P1: t=4 timer b1\n');
    expect(all).toContain('  Note over P1: t=4 disk append t-0.log (1)\n');
  });

  it('orders lifelines as asked, and can leave out time', () => {
    const o = traceToMermaidSequence(story, { participants: ['p0', 'b3'], time: false });
    expect(o).toContain('  participant P1 as p0\n  participant P2 as b3\n  participant P3 as b1\n  participant P4 as b2\n');
    expect(o).toContain('  P1-xP3: Produce acks=all (lost: receiver-down)\n');
  });

  it('marks the step a property broke at, even an entry of a kind not drawn', () => {
    const o = traceToMermaidSequence(story.slice(0, 9), { violationStep: 2 });
    expect(o).toContain('  rect rgb(255,220,220)\n    Note over P1: t=4 timer b1\n    Note over P1,P4: t=4 property broke here (step 2)\n  end\n');
  });

  it('keeps a long trace readable: a window ending near the violation, and says what it left out', () => {
    const long: TraceEvent[] = [];
    for (let i = 0; i < 500; i++) long.push({ t: i, e: 'deliver', from: 'a', to: 'b', sent: i, msg: { type: 'Ping', n: i } });
    long.push({ t: 500, e: 'violation', property: 'p', message: 'broke' });
    for (let i = 0; i < 50; i++) long.push({ t: 501 + i, e: 'deliver', from: 'b', to: 'a', sent: 501 + i, msg: { type: 'Pong', n: i } });
    const o = traceToMermaidSequence(long, { maxEvents: 40 });
    const lines = o.split('\n');
    expect(lines.filter((l) => l.includes('->>')).length).toBe(39);
    expect(o).toContain('Note over P1,P2: … 465 entries before not shown');
    expect(o).toContain('VIOLATION p: broke');
    expect(o).toContain('Note over P1,P2: … 46 entries after not shown');
    expect(o).toContain('t=499 Ping n=499');
    expect(o).toContain('t=504 Pong n=3');
    expect(o).not.toContain('t=505 Pong');

    const head = traceToMermaidSequence(long.slice(0, 500), { maxEvents: 10 });
    expect(head).toContain('t=9 Ping n=9');
    expect(head).not.toContain('t=10 Ping');
    expect(head).toContain('… 490 entries after not shown');
  });

  it('escapes odd node names and message text', () => {
    const odd: TraceEvent[] = [
      { t: 1, e: 'deliver', from: 'node;1', to: 'end', sent: 1, msg: { type: 'A#B', note: 'x; y %% z <b>' } },
      { t: 2, e: 'note', node: 'end', text: 'done: "ok"' },
    ];
    const o = traceToMermaidSequence(odd);
    const body = o.split('\n').slice(1).join('\n');
    expect(body.replace(/#\d+;/g, '')).not.toMatch(/[;#%"<]/);
    expect(o).toContain('participant P1 as node#59;1');
    expect(o).toContain('participant P2 as end\n');
    expect(decode(o)).toContain('P1->>P2: t=1 A#B note=x; y %% z <b>');
    expect(decode(o)).toContain('Note over P2: t=2 end: done: "ok"');
  });

  it('is deterministic and handles an empty trace', () => {
    expect(traceToMermaidSequence(story)).toBe(out);
    expect(traceToMermaidSequence([])).toBe('sequenceDiagram\n  participant P0 as (empty trace)\n');
  });
});

describe('labels', () => {
  it('summarises a message by type, actor and up to four scalar fields', () => {
    expect(messageSummary({ type: 'Produce', actor: 't-0', requestId: 3, acks: 'all', records: [1, 2, 3], nested: { a: 1 }, timeoutMs: 300, extra: 1 })).toBe(
      'Produce [t-0] requestId=3 acks=all records=[3] timeoutMs=300',
    );
    expect(messageSummary('raw')).toBe('raw');
  });

  it('writes state values: strings, nested, parallel', () => {
    expect(stateText('Leader')).toBe('Leader');
    expect(stateText({ Follower: { Truncating: 'AwaitingEpoch' } })).toBe('Follower.Truncating.AwaitingEpoch');
    expect(stateText({ Joined: { Heartbeat: 'Idle', Fetching: 'Polling' } })).toBe('Joined.(Heartbeat.Idle, Fetching.Polling)');
    expect(stateText(null)).toBe('start');
  });

  it('notes every kind of fault over the right nodes', () => {
    const faults: TraceEvent[] = [
      { t: 1, e: 'fault', fault: { at: 1, type: 'crash', node: 'b1', tear: true } },
      { t: 2, e: 'fault', fault: { at: 2, type: 'restart', node: 'b1' }, effect: 'already up' },
      { t: 3, e: 'fault', fault: { at: 3, type: 'latency', node: 'b2', ms: 40, durationMs: 100 } },
      { t: 4, e: 'fault', fault: { at: 4, type: 'disconnect', a: 'b1', b: 'b3' } },
      { t: 5, e: 'fault', fault: { at: 5, type: 'heal' } },
    ];
    const m = sequenceModel(faults);
    expect(m.participants).toEqual(['b1', 'b2', 'b3']);
    expect(m.rows.map((r) => (r.kind === 'note' ? [r.over.join(','), r.text] : []))).toEqual([
      ['b1', 't=1 crash (torn write)'],
      ['b1', 't=2 restart (already up)'],
      ['b2', 't=3 latency +40ms for 100ms'],
      ['b1,b3', 't=4 disconnect b1 - b3'],
      ['b1,b2,b3', 't=5 heal all'],
    ]);
  });
});

describe('traceToSvgSequence', () => {
  const svg = traceToSvgSequence(story);

  it('is a self-contained SVG with a lifeline and a head per node', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    for (const p of ['b1', 'b2', 'p0', 'b3']) expect(svg).toContain(`font-weight="bold">${p}</text>`);
    expect(svg.match(/class="lifeline"/g)).toHaveLength(4);
    expect(svg).not.toMatch(/href=|<script/);
  });

  it('draws arrows, the lost message, notes and the highlighted violation', () => {
    expect(svg.match(/<g class="message">/g)).toHaveLength(2);
    expect(svg).toContain('<g class="message lost"><title>t=7 Produce acks=all (lost: receiver-down)</title>');
    expect(svg).toContain('<g class="note fault"><title>t=6 crash</title>');
    expect(svg).toContain('<g class="note state"><title>t=9 b2/t-0: Follower -&gt; Leader</title>');
    expect(svg).toContain('<g class="note violation"><title>t=10 VIOLATION no-data-loss: acked offset 2 is gone</title>');
    expect(svg).toContain('class="highlight"');
    expect(svg).toContain('fill="rgb(255,220,220)"');
  });

  it('escapes text for XML and is deterministic', () => {
    const odd = traceToSvgSequence([{ t: 1, e: 'deliver', from: 'a&b', to: '<c>', sent: 1, msg: { type: 'X"Y' } }]);
    expect(odd).toContain('a&amp;b');
    expect(odd).toContain('&lt;c&gt;');
    expect(odd).toContain('X&quot;Y');
    expect(odd).not.toContain('<c>');
    expect(traceToSvgSequence(story)).toBe(svg);
  });
});

describe('renderScenarioDiagram', () => {
  it('gives Mermaid or SVG, with the violation step marked', () => {
    expect(renderScenarioDiagram(story, 'mermaid')).toBe(traceToMermaidSequence(story));
    expect(renderScenarioDiagram(story, 'svg', 4)).toBe(traceToSvgSequence(story, { violationStep: 4 }));
    expect(renderScenarioDiagram(story, 'mermaid', 4)).toContain('rect rgb(255,220,220)\n    P1->>P2: t=5 FetchResponse');
  });
});
