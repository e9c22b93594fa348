/**
 * The viewer page's script, run in the browser. It only displays: every state it shows is in
 * the embedded data, read from the model during the replay (src/viewer/snapshots.ts). Plain
 * ES2020, no libraries, no network: the page is one self-contained file.
 */
export const pageScript = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('viewer-data').textContent);
  var steps = data.steps;
  var current = 0;
  var $ = function (id) { return document.getElementById(id); };
  var el = function (tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  var stepOfRow = {};
  Object.keys(data.rowsOfStep).forEach(function (n) {
    data.rowsOfStep[n].forEach(function (r) { stepOfRow[r] = Number(n); });
  });

  function brokerIds(list) { return '{' + list.join(',') + '}'; }

  function renderReplica(r, prev) {
    var box = el('div', 'replica');
    var head = el('div', 'replica-head');
    head.appendChild(el('span', 'partition', r.partition));
    var role = el('span', 'role role-' + r.role.split(/[.(]/)[0], r.role);
    role.title = r.role;
    head.appendChild(role);
    box.appendChild(head);
    var facts = el('div', 'facts');
    var pairs = [['LEO', r.leo], ['HW', r.hw], ['leader epoch', r.leaderEpoch], ['ISR', brokerIds(r.isr)]];
    if (r.pendingIsr) pairs.push(['pending ISR', brokerIds(r.pendingIsr)]);
    if (r.logStartOffset > 0) pairs.push(['log start', r.logStartOffset]);
    pairs.push(['flushed', r.flushed]);
    pairs.forEach(function (p) {
      var f = el('span', 'fact');
      f.appendChild(el('b', '', p[0] + ' '));
      f.appendChild(document.createTextNode(String(p[1])));
      if (prev && prev[p[0]] !== undefined && String(prev[p[0]]) !== String(p[1])) f.classList.add('changed');
      facts.appendChild(f);
    });
    box.appendChild(facts);
    var before;
    if (prev) {
      before = {};
      prev.records.forEach(function (rec) { before[rec[0]] = rec[1] + '|' + rec[2]; });
    }
    box.appendChild(logTable(r.records, function (rec) { return rec[0] >= r.hw ? 'uncommitted' : 'committed'; }, before));
    return box;
  }

  /** A log as a table: offset, the leader epoch it was written in, what it holds. */
  function logTable(records, rowClass, before) {
    var table = el('table', 'log');
    var thead = el('tr');
    ['offset', 'epoch', 'record'].forEach(function (h) { thead.appendChild(el('th', '', h)); });
    table.appendChild(thead);
    records.forEach(function (rec, k) {
      var tr = el('tr', rowClass(rec, k));
      if (before && before[rec[0]] !== rec[1] + '|' + rec[2]) tr.classList.add('new');
      tr.appendChild(el('td', 'num', String(rec[0])));
      tr.appendChild(el('td', 'num', String(rec[1])));
      tr.appendChild(el('td', '', rec[2]));
      table.appendChild(tr);
    });
    if (records.length === 0) {
      var empty = el('tr');
      var td = el('td', 'empty', '(empty log)');
      td.colSpan = 3;
      empty.appendChild(td);
      table.appendChild(empty);
    }
    var wrap = el('div', 'log-wrap');
    wrap.appendChild(table);
    return wrap;
  }

  function factsOf(r) {
    if (!r) return undefined;
    var o = { 'LEO': r.leo, 'HW': r.hw, 'leader epoch': r.leaderEpoch, 'ISR': brokerIds(r.isr), 'flushed': r.flushed, records: r.records };
    if (r.pendingIsr) o['pending ISR'] = brokerIds(r.pendingIsr);
    return o;
  }

  function renderBrokers(snap, prevSnap) {
    var root = $('brokers');
    root.textContent = '';
    root.style.gridTemplateColumns = 'repeat(' + Math.max(1, snap.brokers.length) + ', minmax(0, 1fr))';
    snap.brokers.forEach(function (b) {
      var card = el('section', 'broker' + (b.up ? '' : ' down'));
      card.dataset.node = b.node;
      card.appendChild(el('h3', '', b.node + (b.up ? '' : ' (down)')));
      var prevB = prevSnap && prevSnap.brokers.filter(function (x) { return x.node === b.node; })[0];
      var replicas = b.replicas.slice().sort(function (x, y) {
        var ix = x.partition.indexOf('__') === 0, iy = y.partition.indexOf('__') === 0;
        return ix === iy ? (x.partition < y.partition ? -1 : 1) : ix ? 1 : -1;
      });
      if (!b.up) {
        card.appendChild(el('p', 'muted', 'not running; on restart its logs are recovered from what its disk holds:'));
        b.disk.forEach(function (f) {
          var box = el('div', 'replica on-disk');
          var head = el('div', 'replica-head');
          head.appendChild(el('span', 'partition', f.partition));
          head.appendChild(el('span', 'role role-disk', 'on disk'));
          box.appendChild(head);
          box.appendChild(el('div', 'facts', f.records.length + ' records, ' + f.flushed + ' flushed'));
          box.appendChild(logTable(f.records, function (rec, k) { return k >= f.flushed ? 'unflushed' : 'committed'; }, undefined));
          card.appendChild(box);
        });
      }
      replicas.forEach(function (r) {
        var pr = prevB && prevB.replicas.filter(function (x) { return x.partition === r.partition; })[0];
        card.appendChild(renderReplica(r, factsOf(pr)));
      });
      root.appendChild(card);
    });
  }

  function renderGroups(snap) {
    var root = $('groups');
    root.textContent = '';
    $('groups-section').hidden = snap.groups.length === 0;
    snap.groups.forEach(function (g) {
      var box = el('div', 'group');
      box.appendChild(el('h3', '', 'group ' + g.group));
      var t = el('table', 'grid');
      var h = el('tr');
      ['who', 'state', 'generation', 'assignment'].forEach(function (x) { h.appendChild(el('th', '', x)); });
      t.appendChild(h);
      g.coordinators.forEach(function (c) {
        var members = c.members.map(function (m) { return m.client + ' [' + m.assignment.join(',') + ']' + (m.memberId === c.leader ? ' (leader)' : ''); }).join('; ');
        var tr = el('tr', 'coordinator');
        [['coordinator on ' + c.broker], [c.state], [String(c.generation)], [members || '(no members)']].forEach(function (v) { tr.appendChild(el('td', '', v[0])); });
        t.appendChild(tr);
      });
      g.consumers.forEach(function (c) {
        var tr = el('tr', 'consumer' + (c.up ? '' : ' down'));
        [c.node + (c.up ? '' : ' (down)'), c.state, String(c.generation), 'owns [' + c.owned.join(',') + ']'].forEach(function (v) { tr.appendChild(el('td', '', v)); });
        t.appendChild(tr);
      });
      box.appendChild(t);
      root.appendChild(box);
    });
  }

  function renderNodes(snap) {
    var root = $('nodes');
    root.textContent = '';
    snap.nodes.forEach(function (n) {
      root.appendChild(el('span', 'chip' + (n.up ? '' : ' down'), n.node + ': ' + (n.up ? n.state : 'down')));
    });
  }

  function renderHistory(snap, prevSnap) {
    var list = $('history');
    list.textContent = '';
    var from = prevSnap ? prevSnap.historyLength : 0;
    for (var i = 0; i < snap.historyLength; i++) {
      list.appendChild(el('li', i >= from ? 'new' : '', data.history[i]));
    }
    $('history-count').textContent = snap.historyLength + ' of ' + data.history.length + ' operations';
    var box = $('history-box');
    box.scrollTop = box.scrollHeight;
  }

  function select(i, scroll) {
    if (steps.length === 0) return;
    current = Math.max(0, Math.min(steps.length - 1, i));
    var s = steps[current];
    var snap = data.snapshots[s.snapshot];
    var prevSnap = current > 0 ? data.snapshots[steps[current - 1].snapshot] : undefined;
    document.querySelectorAll('#steps li').forEach(function (li, k) {
      li.classList.toggle('selected', k === current);
      li.setAttribute('aria-selected', k === current ? 'true' : 'false');
    });
    var sel = document.querySelector('#steps li.selected');
    if (sel && scroll !== false) {
      // Scroll the list only, never the page: the state beside it stays where the reader is.
      var lb = list.getBoundingClientRect(), sb = sel.getBoundingClientRect();
      if (sb.top < lb.top) list.scrollTop -= lb.top - sb.top;
      else if (sb.bottom > lb.bottom) list.scrollTop += sb.bottom - lb.bottom;
    }
    $('step-title').textContent = 'Step ' + s.n + ' of ' + steps.length + ' (t=' + s.t + ' ms): ' + s.text;
    $('step-title').className = 'kind-' + s.kind;
    $('snap-time').textContent = 'State after the event at t=' + snap.t + ' ms';
    renderBrokers(snap, prevSnap);
    renderGroups(snap);
    renderNodes(snap);
    renderHistory(snap, prevSnap);
    document.querySelectorAll('#timeline .tick').forEach(function (t) { t.classList.toggle('selected', Number(t.dataset.n) === s.n); });
    var tick = document.querySelector('#timeline .tick[data-n="' + s.n + '"]');
    var cursor = document.getElementById('cursor');
    if (tick && cursor) { cursor.setAttribute('x1', tick.dataset.x); cursor.setAttribute('x2', tick.dataset.x); }
    var rows = data.rowsOfStep[s.n] || [];
    var first;
    document.querySelectorAll('#sequence g[data-step]').forEach(function (g) {
      var on = rows.indexOf(Number(g.dataset.step)) >= 0;
      g.classList.toggle('sel', on);
      if (on && !first) first = g;
    });
    if (first && scroll !== false) {
      var box = $('sequence');
      var r = first.getBoundingClientRect(), b = box.getBoundingClientRect();
      box.scrollTop += r.top - b.top - b.height / 3;
    }
    try { history.replaceState(null, '', '#step-' + s.n); } catch (err) { /* a page opened from disk may not change its URL */ }
  }

  var list = $('steps');
  steps.forEach(function (s, k) {
    var li = el('li', 'kind-' + s.kind);
    li.value = s.n;
    li.tabIndex = -1;
    li.setAttribute('role', 'option');
    li.appendChild(el('span', 'time', 't=' + s.t));
    li.appendChild(document.createTextNode(' ' + s.text));
    li.addEventListener('click', function () { select(k); });
    list.appendChild(li);
  });
  document.querySelectorAll('#timeline .tick').forEach(function (t) {
    t.addEventListener('click', function () { select(Number(t.dataset.n) - 1); });
  });
  document.querySelectorAll('#sequence g[data-step]').forEach(function (g) {
    var n = stepOfRow[Number(g.dataset.step)];
    if (n !== undefined) g.addEventListener('click', function () { select(n - 1); });
  });
  $('prev').addEventListener('click', function () { select(current - 1); });
  $('next').addEventListener('click', function () { select(current + 1); });
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var k = e.key;
    if (k === 'ArrowRight' || k === 'ArrowDown' || k === 'j') select(current + 1);
    else if (k === 'ArrowLeft' || k === 'ArrowUp' || k === 'k') select(current - 1);
    else if (k === 'Home') select(0);
    else if (k === 'End') select(steps.length - 1);
    else return;
    e.preventDefault();
  });
  var m = /^#step-(\d+)$/.exec(location.hash);
  if (steps.length === 0) $('step-title').textContent = 'This run has no story steps.';
  else select(m ? Number(m[1]) - 1 : 0);
})();
`;
