// cell ui: renders the view that `cell ui` pushes as Server-Sent Events on /api/events (one JSON view per sample;
// the same JSON is at /api/status). The tree is built once; instance rows and events are updated in place, so the
// page never reloads. Every text goes in through textContent: nothing from the view is parsed as HTML.
'use strict';

(function () {
  const MAX_EVENTS = 100;
  const cellElements = new Map();   // cell name -> {root, state, meta, reason, rows (tbody)}
  const rowElements = new Map();    // row key -> <tr>
  let treeBuiltFor = null;
  let lastEventId = 0;
  let updates = 0;

  function el(tag, attrs, children) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (k === 'text') {
          e.textContent = v;
        } else if (k === 'class') {
          e.className = v;
        } else {
          e.setAttribute(k, v);
        }
      }
    }
    for (const c of children || []) {
      e.appendChild(c);
    }
    return e;
  }

  function nanos(ns) {
    if (ns === null || ns === undefined || ns < 0) {
      return '-';
    }
    if (ns >= 1e6) {
      return (ns / 1e6).toFixed(2) + ' ms';
    }
    if (ns >= 1e3) {
      return (ns / 1e3).toFixed(1) + ' µs';
    }
    return ns + ' ns';
  }

  function rate(x) {
    return (x || 0).toFixed(1);
  }

  function duration(ms) {
    if (ms === null || ms === undefined || ms < 0) {
      return '-';
    }
    const s = Math.floor(ms / 1000);
    if (s < 60) {
      return s + 's';
    }
    if (s < 3600) {
      return Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's';
    }
    return Math.floor(s / 3600) + 'h' + String(Math.floor(s / 60) % 60).padStart(2, '0') + 'm';
  }

  function clock(epochMs) {
    const d = new Date(epochMs);
    return d.toLocaleTimeString([], {hour12: false}) + '.' + String(d.getMilliseconds()).padStart(3, '0');
  }

  function buildNode(node) {
    const children = el('div', {class: 'children'});
    for (const c of node.children) {
      children.appendChild(buildNode(c));
    }
    if (node.listedAbove) {
      return el('div', {class: 'node', 'data-node': node.name}, [
        el('div', {class: 'folder', text: node.name + ' (listed above)'})]);
    }
    if (node.cell === null) {
      return el('div', {class: 'node', 'data-node': node.name}, [
        el('div', {class: 'folder', text: node.name + '/'}), children]);
    }
    const state = el('span', {class: 'state', text: '…'});
    const meta = el('span', {class: 'meta'});
    const reason = el('p', {class: 'reason'});
    const rows = el('tbody');
    const table = el('table', {class: 'instances'}, [
      el('thead', null, [el('tr', null, ['instance', 'pid', 'state', 'restarts', 'calls/s', 'errors/s', 'p50', 'p99',
        'uptime', 'last exit'].map(function (h) { return el('th', {scope: 'col', text: h}); }))]),
      rows]);
    const root = el('article', {class: 'cell', 'data-cell': node.cell, 'data-state': 'unknown'}, [
      el('h3', null, [el('span', {class: 'name', text: node.cell}), state, meta]), reason, table]);
    cellElements.set(node.cell, {root: root, state: state, meta: meta, reason: reason, rows: rows});
    return el('div', {class: 'node', 'data-node': node.name}, [root, children]);
  }

  function updateRow(tbody, cell, r) {
    let tr = rowElements.get(r.key);
    if (!tr) {
      tr = el('tr', {class: 'instance', 'data-key': r.key, 'data-cell': cell});
      for (let i = 0; i < 10; i++) {
        tr.appendChild(el('td'));
      }
      rowElements.set(r.key, tr);
    }
    tbody.appendChild(tr); // keeps the view's order
    tr.setAttribute('data-pid', String(r.pid));
    tr.setAttribute('data-state', r.state);
    tr.setAttribute('data-restarts', String(r.restarts));
    tr.setAttribute('title', r.supervisorState ? 'supervisor: ' + r.supervisorState : 'not supervised');
    const cells = tr.children;
    const values = [r.instance || '-', r.pid > 0 ? String(r.pid) : '-', r.state, String(r.restarts),
      rate(r.callsPerSecond), rate(r.errorsPerSecond), nanos(r.p50Ns), nanos(r.p99Ns), duration(r.uptimeMs),
      r.lastExit || ''];
    for (let i = 0; i < values.length; i++) {
      if (cells[i].textContent !== values[i]) {
        cells[i].textContent = values[i];
      }
    }
    cells[2].className = 'state';
    cells[2].setAttribute('data-state', r.state);
  }

  function updateCell(c) {
    const e = cellElements.get(c.cell);
    if (!e) {
      return;
    }
    e.root.setAttribute('data-state', c.state);
    e.state.textContent = c.state;
    e.state.setAttribute('data-state', c.state);
    e.meta.textContent = 'replicas ' + c.replicas + ' · restarts ' + c.restarts;
    e.reason.textContent = c.reason || '';
    e.reason.hidden = !c.reason;
    const keys = new Set();
    for (const r of c.instances) {
      keys.add(r.key);
      updateRow(e.rows, c.cell, r);
    }
    for (const tr of Array.from(e.rows.children)) {
      if (!keys.has(tr.getAttribute('data-key'))) {
        rowElements.delete(tr.getAttribute('data-key'));
        tr.remove();
      }
    }
  }

  function updateEvents(events) {
    const list = document.getElementById('events');
    const fresh = events.filter(function (ev) { return ev.id > lastEventId; }).reverse(); // oldest first
    for (const ev of fresh) {
      const li = el('li', {class: 'event', 'data-kind': ev.kind, 'data-cell': ev.cell, 'data-id': String(ev.id)}, [
        el('time', {text: clock(ev.atMs)}),
        el('span', {class: 'kind', text: ev.kind}),
        el('span', {class: 'text', text: ev.text})]);
      list.insertBefore(li, list.firstChild);
      lastEventId = Math.max(lastEventId, ev.id);
    }
    while (list.children.length > MAX_EVENTS) {
      list.lastChild.remove();
    }
    document.getElementById('no-events').hidden = list.children.length > 0;
  }

  function render(view) {
    const shape = JSON.stringify(view.tree);
    if (treeBuiltFor !== shape) {
      cellElements.clear();
      rowElements.clear();
      document.getElementById('tree').replaceChildren(buildNode(view.tree));
      treeBuiltFor = shape;
    }
    document.getElementById('tissue').textContent = view.tissue;
    document.title = 'cell ui · ' + view.tissue;
    document.getElementById('root').textContent = view.root;
    document.getElementById('supervisor').textContent = view.supervisorPid > 0 ?
      'supervisor pid ' + view.supervisorPid : view.supervisor;
    document.getElementById('updated').textContent = clock(view.sampledAtMs);
    document.getElementById('window').textContent = (view.windowMs / 1000) + ' s';
    for (const c of view.cells) {
      updateCell(c);
    }
    updateEvents(view.events);
    updates++;
    document.body.setAttribute('data-updates', String(updates));
  }

  function connection(state, text) {
    const c = document.getElementById('connection');
    c.setAttribute('data-connection', state);
    c.textContent = text;
  }

  function poll() {
    fetch('/api/status', {cache: 'no-store'})
      .then(function (r) { return r.json(); })
      .then(function (view) { connection('live', 'live (polling)'); render(view); })
      .catch(function () { connection('lost', 'cell ui is not answering; retrying…'); })
      .finally(function () { setTimeout(poll, 1000); });
  }

  function start() {
    if (!window.EventSource) {
      poll();
      return;
    }
    const source = new EventSource('/api/events');
    source.onopen = function () { connection('live', 'live'); };
    source.onerror = function () { connection('lost', 'cell ui is not answering; reconnecting…'); };
    source.onmessage = function (m) { render(JSON.parse(m.data)); };
  }

  start();
})();
