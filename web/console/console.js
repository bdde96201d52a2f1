// The operator console: overview (claims per state, throughput), claim search, a claim's
// timeline with its possible next steps (each step's payment command and result, and its WAL
// entry), its payments with the gateway ledger's entries, the operator's retry of a failed
// compensation, and the dead letters of every topic with their re-drive.
// Every figure comes from claim-service's API (/openapi.json); nothing is computed here that the
// service does not answer, but for the chart's history of rates.
'use strict';

const STATES = ['SUBMITTED', 'REJECTED', 'RESERVED', 'PAYMENT_REQUESTED', 'PAID', 'PAYMENT_FAILED',
  'REVERSAL_REQUESTED', 'REVERSED', 'VOID_REQUESTED', 'VOIDED', 'COMPENSATION_FAILED'];
const SEARCH_FIELDS = ['status', 'provider_npi', 'policy_id', 'provider', 'submitted_from', 'submitted_to'];
const PAGE = 50;
const REFRESH_MS = 2000;
const CHART_POINTS = 150;  // 5 minutes at one point per refresh

const $ = (selector) => document.querySelector(selector);

// An element with text (never HTML: claim fields are user input) and attributes.
function el(tag, text, attrs = {}) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}
function svg(tag, attrs = {}, text) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

// ---- the API, with the key of this tab
function apiKey() { return sessionStorage.getItem('claims-api-key') || ''; }
async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (apiKey()) headers.Authorization = 'Bearer ' + apiKey();
  const init = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    const fields = answer && answer.errors ? answer.errors.map((e) => `${e.location} ${e.reason}`) : [];
    const why = [answer && answer.detail ? answer.detail : response.statusText, ...fields].join('; ');
    throw new Error(`${method} ${path}: ${response.status} ${why}`);
  }
  return answer;
}
function showError(error) {
  const box = $('#error');
  box.hidden = !error;
  box.textContent = error ? String(error.message || error) : '';
}

// ---- overview: counts per state and throughput, refreshed while the page is open
const rates = [];
async function refreshOverview() {
  let stats;
  try {
    stats = await api('GET', '/stats/events');
  } catch (e) {
    $('#stats-at').textContent = '(' + e.message + ')';
    return;
  }
  $('#stats-at').textContent = 'at ' + stats.at + (stats.caught_up ? '' : ' (still reading)');
  const cards = $('#state-counts');
  cards.replaceChildren();
  for (const state of STATES) {
    const n = (stats.claims_by_state || {})[state] || 0;
    const card = el('a', null, { href: '#/claims?status=' + state, class: 'card state-' + state, 'data-state': state });
    card.append(el('span', state, { class: 'label' }), el('span', n, { class: 'count' }));
    cards.append(card);
  }
  const topic = (stats.topics || {})['claim-events'];
  rates.push(topic ? topic.rate_per_s : 0);
  if (rates.length > CHART_POINTS) rates.shift();
  drawThroughput();
}
function drawThroughput() {
  const chart = $('#throughput');
  chart.replaceChildren();
  const max = Math.max(1, ...rates);
  const x = (i) => (i / (CHART_POINTS - 1)) * 600;
  const y = (v) => 150 - (v / max) * 140;
  const points = rates.map((v, i) => `${x(i + CHART_POINTS - rates.length)},${y(v)}`).join(' ');
  chart.append(svg('polyline', { points, class: 'rate' }));
  chart.append(svg('text', { x: 4, y: 14, class: 'axis' }, `${max.toFixed(1)}/s`));
  chart.append(svg('text', { x: 4, y: 158, class: 'axis' }, '0'));
  const last = rates.length ? rates[rates.length - 1] : 0;
  chart.append(svg('text', { x: 596, y: 14, class: 'axis', 'text-anchor': 'end', id: 'rate-now' }, `now ${last.toFixed(1)}/s`));
}

// ---- search
function queryOf(params) {
  const q = new URLSearchParams();
  for (const name of SEARCH_FIELDS) if (params.get(name)) q.set(name, params.get(name));
  return q;
}
async function search(params) {
  const form = $('#search-form');
  for (const name of SEARCH_FIELDS) form.elements[name].value = params.get(name) || '';
  const q = queryOf(params);
  const offset = Number(params.get('offset') || 0);
  q.set('limit', PAGE);
  if (offset) q.set('offset', offset);
  const claims = await api('GET', '/claims?' + q);
  const body = $('#results tbody');
  body.replaceChildren();
  for (const c of claims) {
    const row = el('tr', null, { 'data-claim': c.claim_id });
    const link = el('a', c.claim_id, { href: '#/claim/' + encodeURIComponent(c.claim_id) });
    const cells = [link, el('span', c.status, { class: 'state state-' + c.status }), c.policy_id,
      c.provider_npi, c.provider, c.net_fee, c.created_at];
    for (const cell of cells) {
      const td = el('td');
      if (cell instanceof Node) td.append(cell); else td.textContent = cell === null ? '' : cell;
      row.append(td);
    }
    const actions = el('td');
    if (c.status === 'COMPENSATION_FAILED') actions.append(retryButton(c.claim_id));
    row.append(actions);
    body.append(row);
  }
  const more = $('#results-more');
  more.replaceChildren();
  more.append(el('span', `${claims.length} claims` + (offset ? ` from ${offset + 1}` : '')));
  if (claims.length === PAGE) {
    const next = new URLSearchParams(q);
    next.delete('limit');
    next.set('offset', offset + PAGE);
    more.append(' ', el('a', 'next page', { href: '#/claims?' + next }));
  }
}
function retryButton(claimId) {
  const button = el('button', 'Retry compensation', { class: 'retry', type: 'button' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api('POST', '/claims/' + encodeURIComponent(claimId) + '/retry');
      showError(null);
      route();
    } catch (e) {
      showError(e);
      button.disabled = false;
    }
  });
  return button;
}

// ---- a claim: fields, timeline, next steps, changes between steps
let sagaTable = null;
async function showClaim(claimId) {
  const path = '/claims/' + encodeURIComponent(claimId);
  const [claim, history] = await Promise.all([api('GET', path), api('GET', path + '/history')]);
  if (!sagaTable) sagaTable = await api('GET', '/saga/transitions');
  $('#claim-id').textContent = claim.claim_id;
  const state = $('#claim-state');
  state.textContent = claim.status;
  state.className = 'state state-' + claim.status;
  const actions = $('#claim-actions');
  actions.replaceChildren();
  if (claim.status === 'COMPENSATION_FAILED') actions.append(retryButton(claim.claim_id));
  drawTimeline(history.history);
  listNextSteps(claim);
  listChanges(history.history);
  listPayments(claim.claim_id, history.history);
  const fields = $('#claim-fields tbody');
  fields.replaceChildren();
  for (const [name, value] of Object.entries(claim)) {
    const row = el('tr');
    row.append(el('th', name), el('td', value === null ? '—' : value));
    fields.append(row);
  }
}
const STEP = 230;  // a 170-wide box and the edge to the next; the event is written above the edge
function sizeTimeline(chart, steps, height) {
  const width = Math.max(600, 40 + steps * STEP);
  chart.setAttribute('viewBox', `0 0 ${width} ${height}`);
  chart.setAttribute('width', width);
  chart.setAttribute('height', height);
}
function drawTimeline(entries) {
  const chart = $('#timeline');
  chart.replaceChildren();
  const step = STEP;
  sizeTimeline(chart, entries.length, 190);
  const start = entries.length ? Date.parse(entries[0].at) : 0;
  entries.forEach((h, i) => {
    const x = 20 + i * step;
    if (i > 0) {
      chart.append(svg('line', { x1: x - step + 170, y1: 60, x2: x, y2: 60, class: 'edge' }));
      chart.append(svg('text', { x: x - (step - 170) / 2, y: 28, 'text-anchor': 'middle', class: 'event' }, h.event));
      // The payment result that caused the step, above its event.
      if (h.result) {
        chart.append(svg('text', { x: x - (step - 170) / 2, y: 14, 'text-anchor': 'middle', class: 'result' }, '⇐ ' + h.result.type));
      }
    }
    const node = svg('g', { class: 'step state-' + h.status, 'data-seq': h.seq });
    node.append(svg('rect', { x, y: 40, width: 170, height: 40, rx: 6 }));
    node.append(svg('text', { x: x + 85, y: 65, 'text-anchor': 'middle', class: 'name' }, h.status));
    node.append(svg('text', { x, y: 100, class: 'time' }, h.at.replace('T', ' ').replace('Z', '')));
    node.append(svg('text', { x, y: 116, class: 'time' }, '+' + ((Date.parse(h.at) - start) / 1000).toFixed(3) + ' s'));
    node.append(svg('text', { x, y: 134, class: 'cause' }, h.cause.length > 30 ? h.cause.slice(0, 29) + '…' : h.cause));
    // The payment command the step sent, and the WAL entry that made the step durable.
    if (h.command) node.append(svg('text', { x, y: 152, class: 'command' }, `⇒ ${h.command.type} #${h.command.attempt}`));
    if (h.wal) node.append(svg('text', { x, y: 170, class: 'wal' }, `WAL ${h.wal.wal_id} LSN ${h.wal.lsn}`));
    node.append(svg('title', {}, `${h.status} (${h.event}): ${h.cause}`));
    chart.append(node);
  });
}
function listNextSteps(claim) {
  const list = $('#next-steps');
  list.replaceChildren();
  const next = sagaTable.transitions.filter((t) => t.from === claim.status && t.to !== t.from);
  if (!next.length) {
    list.append(el('li', `${claim.status} is final: nothing more happens to this claim.`));
    return;
  }
  if (sagaTable.terminal.includes(claim.status)) {
    list.append(el('li', `${claim.status} is terminal; only these can still move it:`));
  }
  for (const t of next) {
    const effects = t.effects.length ? ' — ' + t.effects.join(', ') : '';
    list.append(el('li', `on ${t.event} → ${t.to}${effects}`, { 'data-to': t.to }));
  }
}
function listChanges(entries) {
  const body = $('#changes tbody');
  body.replaceChildren();
  entries.forEach((h, i) => {
    const before = i ? entries[i - 1] : null;
    const after = before ? ((Date.parse(h.at) - Date.parse(before.at)) / 1000).toFixed(3) + ' s' : '';
    const row = el('tr', null, { 'data-seq': h.seq });
    row.append(el('td', h.seq), el('td', h.at), el('td', after), el('td', h.event),
      el('td', before ? `${before.status} → ${h.status}` : h.status), el('td', h.cause));
    // What the step changed in the claim's data, field by field (the service records it).
    const diff = el('td', null, { class: 'diff' });
    for (const [field, [was, now]] of Object.entries(h.changes || {})) {
      if (field === 'status' || field === 'version' || field === 'updated_at') continue;
      const line = el('div', null, { 'data-field': field });
      line.append(el('b', field + ' '), el('del', was === null ? '—' : was), ' → ', el('ins', now === null ? '—' : now));
      diff.append(line);
    }
    if (!h.changes) diff.textContent = i ? '(not recorded)' : 'created';
    row.append(diff);
    // What crossed to payment-service: the result taken and the command sent.
    const messages = el('td', null, { class: 'messages' });
    if (h.result) {
      messages.append(el('div', `took ${h.result.type}${h.result.reason ? ': ' + h.result.reason : ''}`,
        { class: 'result', title: `${h.result.event_id} (answers ${h.result.command_id}) at ${h.result.occurred_at}` }));
    }
    if (h.command) {
      messages.append(el('div', `sent ${h.command.type} attempt ${h.command.attempt}, ${h.command.amount}`,
        { class: 'command', title: `${h.command.event_id} (payment ${h.command.payment_id})` }));
    }
    row.append(messages, el('td', h.wal ? `${h.wal.wal_id} @ ${h.wal.lsn}` : '—', { class: 'wal' }));
    body.append(row);
  });
}

// A claim's payments as payment-service and its gateway's ledger recorded them (claim-service asks
// payment-service); a failure is said in place, the rest of the claim's page stands.
async function listPayments(claimId, entries) {
  const body = $('#payments tbody');
  const note = $('#payments-note');
  body.replaceChildren();
  note.textContent = 'asking payment-service…';
  let answer;
  try {
    answer = await api('GET', '/claims/' + encodeURIComponent(claimId) + '/payments');
  } catch (error) {
    note.textContent = String(error.message || error);
    return;
  }
  note.textContent = answer.payments.length ? `from ${answer.payment_service}` : 'no payment recorded yet';
  for (const p of answer.payments) {
    const ledger = p.ledger;
    const row = el('tr', null, { 'data-payment': p.payment_id });
    row.append(el('td', p.payment_id), el('td', p.status), el('td', p.amount), el('td', p.last_command),
      el('td', p.attempts), el('td', ledger ? ledger.status : '(none)', { class: 'ledger' }),
      el('td', ledger ? ledger.amount : '—'), el('td', ledger ? ledger.updated_at : '—'),
      el('td', p.reason || (ledger && ledger.reason) || ''));
    body.append(row);
  }
  drawLedgerLane(entries, answer.payments);
}
// The gateway ledger's entries as a lane under the saga's steps: each between the last step
// before the gateway recorded it and the next.
function drawLedgerLane(entries, payments) {
  const chart = $('#timeline');
  const kept = payments.filter((p) => p.ledger);
  if (!kept.length || !entries.length) return;
  sizeTimeline(chart, entries.length, 240);
  for (const p of kept) {
    const at = Date.parse(p.ledger.created_at);
    const before = Math.max(0, entries.findLastIndex((h) => Date.parse(h.at) <= at));
    const x = 20 + before * STEP + (before + 1 < entries.length ? STEP / 2 : 0);
    const node = svg('g', { class: 'ledger-entry', 'data-payment': p.payment_id });
    node.append(svg('rect', { x, y: 192, width: 170, height: 40, rx: 3 }));
    node.append(svg('text', { x: x + 6, y: 208, class: 'name' }, `ledger ${p.ledger.status} ${p.ledger.amount}`));
    node.append(svg('text', { x: x + 6, y: 224, class: 'time' }, p.ledger.created_at.replace('T', ' ').replace('Z', '')));
    node.append(svg('title', {}, `gateway ledger, payment ${p.payment_id}: ${p.ledger.status} since ${p.ledger.updated_at}`));
    chart.append(node);
  }
}

// ---- dead letters: every TOPIC.dlq, one topic's dead letters, their re-drive
const DLQ_FIELDS = ['partition', 'offsets', 'error', 'key'];
async function showDeadLetterTopics() {
  const { topics } = await api('GET', '/dead-letters');
  const body = $('#dlq-topics tbody');
  body.replaceChildren();
  for (const t of topics) {
    const row = el('tr', null, { 'data-topic': t.topic });
    const td = el('td');
    td.append(el('a', t.topic, { href: '#/dead-letters/' + encodeURIComponent(t.topic) }));
    row.append(td, el('td', t.for), el('td', t.partitions), el('td', t.count, { class: 'count' }));
    body.append(row);
  }
  if (!topics.length) body.append(el('tr')).append(el('td', 'no dead-letter topic yet', { colspan: 4 }));
}
// The selection the page's filters name, as the API takes it.
function deadLetterSelection(params) {
  const selection = {};
  for (const name of DLQ_FIELDS) {
    const value = params.get(name);
    if (value) selection[name] = name === 'partition' ? Number(value) : value;
  }
  return selection;
}
async function showDeadLetters(topic, params) {
  const form = $('#dlq-form');
  for (const name of DLQ_FIELDS) form.elements[name].value = params.get(name) || '';
  const q = new URLSearchParams();
  for (const name of DLQ_FIELDS) if (params.get(name)) q.set(name, params.get(name));
  const path = '/dead-letters/' + encodeURIComponent(topic);
  const list = await api('GET', path + (q.size ? '?' + q : ''));
  $('#dlq-topic').hidden = false;
  $('#dlq-name').textContent = list.topic;
  $('#dlq-summary').textContent = `${list.total} kept, ${list.selected} chosen` +
    (list.dead_letters.length < list.selected ? `, the first ${list.dead_letters.length} shown` : '') +
    `; re-driven ones go back to ${list.for}`;
  const body = $('#dlq-letters tbody');
  body.replaceChildren();
  for (const d of list.dead_letters) {
    const row = el('tr', null, { 'data-at': `${d.partition}/${d.offset}`, 'data-key': d.key });
    const message = el('pre', typeof d.value === 'string' ? d.value : JSON.stringify(d.value, null, 1));
    const from = `${d.original_topic}/${d.original_partition}/${d.original_offset}` +
      (d.redriven_from ? ` (re-driven before, from ${d.redriven_from})` : '');
    const cells = [`${d.partition}/${d.offset}`, from, d.key || '—', el('span', d.error, { class: 'error' }), message];
    for (const cell of cells) {
      const td = el('td');
      if (cell instanceof Node) td.append(cell); else td.textContent = cell;
      row.append(td);
    }
    const actions = el('td');
    actions.append(redriveButton(topic, 'Re-drive', { partition: d.partition, offsets: String(d.offset) }));
    row.append(actions);
    body.append(row);
  }
  const all = $('#dlq-redrive-all');
  const chosen = deadLetterSelection(params);
  all.replaceWith(redriveButton(topic, 'Re-drive all chosen', Object.keys(chosen).length ? chosen : { all: true }, 'dlq-redrive-all'));
}
function redriveButton(topic, label, selection, id) {
  const button = el('button', label, { type: 'button', class: 'redrive', ...(id ? { id } : {}) });
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const result = await api('POST', '/dead-letters/' + encodeURIComponent(topic) + '/redrive', selection);
      const left = result.left_alone.length ? `; ${result.left_alone.length} left alone: ` +
        result.left_alone.map((l) => `${l.partition}/${l.offset} ${l.reason}`).join(', ') : '';
      $('#dlq-result').textContent = `${result.redriven.length} re-driven` +
        (result.redriven.length ? ' to ' + [...new Set(result.redriven.map((r) => r.to))].join(', ') : '') +
        ` (${result.redriven.map((r) => `${r.partition}/${r.offset}`).join(', ')})` + left;
      showError(null);
    } catch (e) {
      showError(e);
    }
    button.disabled = false;
  });
  return button;
}

// ---- navigation: #/ (overview and search), #/claims?..., #/claim/<id>, #/dead-letters[/<topic>]
async function route() {
  const hash = location.hash.slice(1) || '/';
  const [path, query] = hash.split('?');
  const params = new URLSearchParams(query || '');
  const deadLetters = path.startsWith('/dead-letters');
  $('#claim').hidden = !path.startsWith('/claim/');
  $('#dead-letters').hidden = !deadLetters;
  $('#search').hidden = deadLetters;
  try {
    if (deadLetters) {
      const topic = decodeURIComponent(path.slice('/dead-letters/'.length));
      $('#dlq-topic').hidden = !topic;
      $('#dlq-result').textContent = '';
      await showDeadLetterTopics();
      if (topic) await showDeadLetters(topic, params);
    } else if (path.startsWith('/claim/')) {
      await showClaim(decodeURIComponent(path.slice('/claim/'.length)));
    } else {
      await search(params);
    }
    showError(null);
  } catch (e) {
    showError(e);
  }
}

function start() {
  const select = $('#search-form').elements.status;
  for (const s of STATES) select.append(el('option', s, { value: s }));
  $('#search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const q = new URLSearchParams();
    const form = event.target;
    for (const name of SEARCH_FIELDS) if (form.elements[name].value) q.set(name, form.elements[name].value.trim());
    location.hash = '#/claims?' + q;
  });
  $('#dlq-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const q = new URLSearchParams();
    const form = event.target;
    for (const name of DLQ_FIELDS) if (form.elements[name].value) q.set(name, form.elements[name].value.trim());
    const topic = location.hash.slice(1).split('?')[0].slice('/dead-letters/'.length);
    location.hash = '#/dead-letters/' + topic + (q.size ? '?' + q : '');
  });
  $('#key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem('claims-api-key', $('#api-key').value.trim());
    $('#api-key').value = '';
    $('#key-state').textContent = apiKey() ? 'key set for this tab' : 'no key';
    route();
    refreshOverview();
  });
  $('#key-state').textContent = apiKey() ? 'key set for this tab' : 'no key';
  window.addEventListener('hashchange', route);
  route();
  refreshOverview();
  setInterval(refreshOverview, REFRESH_MS);
}
start();
