/*
 * supportpilot admin dashboard: plain JavaScript, no library, no build step.
 * Safety rule of this file: data from the API is only ever put into the page as text (textContent, text nodes,
 * or attribute values through setAttribute); never through innerHTML. The admin token lives in sessionStorage
 * and travels only in the Authorization header; the live stream uses a short-lived stream token.
 */
'use strict';
(function () {
  const TOKEN_KEY = 'supportpilot.adminToken';
  const SVG = 'http://www.w3.org/2000/svg';
  const VIEWS = ['overview', 'live', 'queue', 'knowledge', 'devops', 'notifications', 'settings'];
  let token = null;
  let me = null;
  let articlesCache = [];

  const $ = (id) => document.getElementById(id);

  /** Builds an element; strings among the children become text nodes (never markup). */
  function h(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    setAttrs(e, attrs);
    for (const k of kids.flat(3)) {
      if (k !== null && k !== undefined && k !== false) {
        e.append(k instanceof Node ? k : String(k));
      }
    }
    return e;
  }

  function s(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    setAttrs(e, attrs);
    return e;
  }

  function setAttrs(e, attrs) {
    if (!attrs) {
      return;
    }
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) {
        continue;
      }
      if (k === 'class') {
        e.setAttribute('class', v);
      } else if (k === 'text') {
        e.textContent = String(v);
      } else if (k.startsWith('on') && typeof v === 'function') {
        e.addEventListener(k.slice(2), v);
      } else {
        e.setAttribute(k, v === true ? '' : String(v));
      }
    }
  }

  function clear(e) {
    while (e.firstChild) {
      e.removeChild(e.firstChild);
    }
    return e;
  }

  function fill(e, ...kids) {
    clear(e);
    for (const k of kids.flat(3)) {
      if (k !== null && k !== undefined && k !== false) {
        e.append(k instanceof Node ? k : String(k));
      }
    }
    return e;
  }

  // ---------------------------------------------------------------- API

  async function api(method, path, body) {
    const opts = { method, headers: { Authorization: 'Bearer ' + token }, cache: 'no-store' };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    let r;
    try {
      r = await fetch(path, opts);
    } catch (e) {
      return { status: 0, ok: false, data: { detail: 'the engine could not be reached' } };
    }
    const text = await r.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (e) {
        data = null;
      }
    }
    if (r.status === 401 && me) {
      signOut('Your token is no longer accepted: sign in again.');
    }
    return { status: r.status, ok: r.ok, data };
  }

  function errText(r) {
    if (r.data && r.data.detail) {
      return r.data.detail;
    }
    return r.status ? 'HTTP ' + r.status : 'no answer';
  }

  function unavailable(what, r) {
    if (r.status === 404) {
      return h('p', { class: 'unavailable' }, what + ' is not available on this engine (the endpoint answered 404).');
    }
    if (r.status === 403) {
      return h('p', { class: 'unavailable' }, what + ': your role (' + (me ? me.role : '?') + ') may not see this.');
    }
    return h('p', { class: 'error' }, what + ' could not be loaded: ' + errText(r));
  }

  function say(msg, error) {
    const el = $('status');
    el.textContent = msg || '';
    el.className = error ? 'status error' : 'status';
  }

  // ---------------------------------------------------------------- formatting

  function fmtNum(v) {
    if (v === null || v === undefined) {
      return '–';
    }
    if (typeof v !== 'number') {
      return String(v);
    }
    if (Number.isInteger(v)) {
      return v.toLocaleString('en-US');
    }
    return (Math.round(v * 1000) / 1000).toLocaleString('en-US');
  }

  function fmtUnit(v, unit) {
    if (v === null || v === undefined) {
      return 'not measured';
    }
    if (unit === 'ratio') {
      return (Math.round(v * 1000) / 10) + ' %';
    }
    if (unit === 'ms') {
      if (Math.abs(v) >= 60000) {
        return fmtNum(Math.round(v / 6000) / 10) + ' min';
      }
      return Math.abs(v) >= 10000 ? fmtNum(Math.round(v / 100) / 10) + ' s' : fmtNum(Math.round(v)) + ' ms';
    }
    if (unit === 'rating_1_to_5') {
      return fmtNum(v) + ' / 5';
    }
    return fmtNum(v) + (unit && unit !== 'count' ? ' ' + unit : '');
  }

  function fmtTime(iso) {
    if (!iso) {
      return '–';
    }
    const d = new Date(iso);
    if (isNaN(d.getTime())) {
      return String(iso);
    }
    return d.toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'medium' });
  }

  function label(key) {
    return String(key).replace(/_/g, ' ');
  }

  function table(headers, rows, caption) {
    return h('div', { class: 'table-wrap' }, h('table', null,
        caption ? h('caption', null, caption) : null,
        h('thead', null, h('tr', null, headers.map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', null, rows)));
  }

  function dl(obj, skip) {
    const items = [];
    for (const [k, v] of Object.entries(obj || {})) {
      if (skip && skip.includes(k)) {
        continue;
      }
      if (v !== null && typeof v === 'object') {
        continue;
      }
      items.push(h('dt', null, label(k)), h('dd', null, typeof v === 'number' ? fmtNum(v) : String(v)));
    }
    return h('dl', { class: 'kv' }, items);
  }

  // ---------------------------------------------------------------- charts (inline SVG)

  /** A line (and light area) over values; nulls are drawn as gaps. */
  function lineChart(values, opts) {
    const w = opts.width || 600;
    const hgt = opts.height || 120;
    const max = Math.max(1, ...values.filter((v) => v !== null && v !== undefined));
    const n = Math.max(values.length - 1, 1);
    const svg = s('svg', {
      viewBox: '0 0 ' + w + ' ' + hgt, preserveAspectRatio: 'none', class: 'chart ' + (opts.cls || ''),
      role: 'img', 'aria-label': opts.label
    });
    let seg = [];
    const flush = () => {
      if (seg.length > 1) {
        svg.append(s('polygon', { class: 'area', points: seg[0][0] + ',' + hgt + ' ' + seg.map((p) => p.join(',')).join(' ')
            + ' ' + seg[seg.length - 1][0] + ',' + hgt }));
        svg.append(s('polyline', { class: 'line', points: seg.map((p) => p.join(',')).join(' ') }));
      } else if (seg.length === 1) {
        svg.append(s('circle', { class: 'dot', cx: seg[0][0], cy: seg[0][1], r: 2 }));
      }
      seg = [];
    };
    values.forEach((v, i) => {
      if (v === null || v === undefined) {
        flush();
      } else {
        const x = Math.round((i / n) * w * 10) / 10;
        const y = Math.round((hgt - 2 - (v / max) * (hgt - 4)) * 10) / 10;
        seg.push([x, y]);
      }
    });
    flush();
    return svg;
  }

  /** Stacked bars, one per bucket; series = [{key, cls}]. */
  function stackedBars(rows, series, opts) {
    const w = opts.width || 600;
    const hgt = opts.height || 120;
    const totals = rows.map((r) => series.reduce((a, x) => a + (Number(r[x.key]) || 0), 0));
    const max = Math.max(1, ...totals);
    const bw = w / Math.max(rows.length, 1);
    const svg = s('svg', {
      viewBox: '0 0 ' + w + ' ' + hgt, preserveAspectRatio: 'none', class: 'chart', role: 'img', 'aria-label': opts.label
    });
    rows.forEach((r, i) => {
      let y = hgt;
      for (const x of series) {
        const v = Number(r[x.key]) || 0;
        if (v <= 0) {
          continue;
        }
        const bh = (v / max) * (hgt - 2);
        y -= bh;
        svg.append(s('rect', { class: x.cls, x: (i * bw + 1).toFixed(1), y: y.toFixed(1), width: Math.max(bw - 2, 1).toFixed(1), height: bh.toFixed(1) }));
      }
    });
    return svg;
  }

  function sparkline(values, labelText) {
    return lineChart(values, { width: 240, height: 40, cls: 'spark', label: labelText });
  }

  function figure(title, chart, note, below) {
    return h('figure', { class: 'card chart-card' }, h('figcaption', null, h('strong', null, title), note ? h('span', { class: 'muted' }, ' ' + note) : null), chart, below || null);
  }

  // ---------------------------------------------------------------- sign in / out

  async function signIn(t) {
    token = t;
    let r = await api('GET', '/api/admin/me');
    if (r.status === 404) {
      // An engine without the desk backend: any admin endpoint proves the token.
      const c = await api('GET', '/api/admin/config');
      r = c.ok ? { ok: true, status: 200, data: { name: 'admin', role: 'owner' } } : c;
    }
    if (!r.ok) {
      token = null;
      return r.status === 401 ? 'That token is not accepted.' : 'Sign-in failed: ' + errText(r);
    }
    me = r.data || { name: 'admin', role: 'owner' };
    sessionStorage.setItem(TOKEN_KEY, t);
    document.body.dataset.role = me.role || 'viewer';
    $('who').textContent = (me.name || 'admin') + ' (' + (me.role || '?') + ')';
    $('signin').hidden = true;
    $('app').hidden = false;
    startLive();
    notificationTimer = setInterval(refreshNotificationBadge, NOTIFICATION_POLL_MS);
    route();
    return null;
  }

  function signOut(msg) {
    sessionStorage.removeItem(TOKEN_KEY);
    token = null;
    me = null;
    stopLive();
    clearInterval(notificationTimer);
    notificationTimer = null;
    $('app').hidden = true;
    $('signin').hidden = false;
    $('token').value = '';
    $('signin-error').textContent = msg || '';
    $('token').focus();
  }

  // ---------------------------------------------------------------- routing

  function route() {
    if (!me) {
      return;
    }
    let view = (location.hash || '#overview').slice(1).split('/')[0];
    if (!VIEWS.includes(view)) {
      view = 'overview';
    }
    for (const v of VIEWS) {
      $('view-' + v).hidden = v !== view;
    }
    for (const a of document.querySelectorAll('nav a[data-view]')) {
      if (a.dataset.view === view) {
        a.setAttribute('aria-current', 'page');
      } else {
        a.removeAttribute('aria-current');
      }
    }
    say('');
    ({ overview: loadOverview, live: loadRecentSpikes, queue: loadQueue, knowledge: loadKnowledge, devops: loadDevops, notifications: () => loadNotifications(false), settings: loadSettings })[view]();
    refreshNotificationBadge();
  }

  // ---------------------------------------------------------------- overview

  function lowerIsBetter(m) {
    return m.unit === 'ms' || m.unit === 's' || /time|latency|duration/.test(m.metric || '');
  }

  async function loadOverview() {
    const [m, ts] = await Promise.all([
      api('GET', '/api/admin/support/automation/metrics'),
      api('GET', '/api/admin/support/automation/timeseries?hours=24')
    ]);
    const success = $('overview-success');
    if (!m.ok) {
      fill(success, unavailable('Automation metrics', m));
      clear($('overview-metrics'));
    } else {
      const rows = (m.data.success_metrics || []).map((x) => {
        // The engine says whether a figure is measured at all and whether it has samples; 0 with no data is no figure.
        const unmeasured = x.measured === false || x.samples === 0 || x.current === null || x.current === undefined;
        const met = unmeasured ? null : typeof x.met === 'boolean' ? x.met
          : lowerIsBetter(x) ? x.current <= x.target : x.current >= x.target;
        return h('tr', { 'data-metric': x.metric },
            h('th', { scope: 'row' }, label(x.metric)),
            h('td', null, unmeasured ? '–' : fmtUnit(x.current, x.unit)),
            h('td', null, (lowerIsBetter(x) ? '≤ ' : '≥ ') + fmtUnit(x.target, x.unit)),
            h('td', { class: met === null ? 'muted' : met ? 'ok' : 'bad' }, met === null ? (x.measured === false ? 'not measured' : 'no data yet') : met ? 'on target' : 'below target'));
      });
      fill(success, h('h2', null, 'Success metrics against targets'),
          table(['Metric', 'Current', 'Target', 'Status'], rows));
      renderMetrics(m.data);
    }
    const charts = $('overview-charts');
    if (!ts.ok) {
      fill(charts, unavailable('24 h charts', ts));
    } else {
      const d = ts.data;
      const epm = (d.errors_per_minute || []).map((x) => x.count);
      const routes = d.conversations_by_route || [];
      const frtRows = d.first_response_ms || [];
      const frt = frtRows.map((x) => x.p50);
      const totalErrors = epm.reduce((a, b) => a + (b || 0), 0);
      const routeTotals = { auto_respond: 0, suggest_articles: 0, escalate: 0 };
      routes.forEach((r) => Object.keys(routeTotals).forEach((k) => { routeTotals[k] += Number(r[k]) || 0; }));
      const lastFrt = frt.filter((v) => v !== null && v !== undefined);
      fill(charts,
          figure('Errors per minute, 24 h', lineChart(epm, { label: 'errors per minute over 24 hours, ' + totalErrors + ' in total' }),
              fmtNum(totalErrors) + ' errors, peak ' + fmtNum(Math.max(0, ...epm.map((v) => v || 0))) + '/min'),
          figure('Conversations by route, per hour', stackedBars(routes, [
            { key: 'auto_respond', cls: 'c1' }, { key: 'suggest_articles', cls: 'c2' }, { key: 'escalate', cls: 'c3' }],
          { label: 'conversations by route per hour' }), routes.length + ' hours',
          h('span', { class: 'legend' }, h('i', { class: 'c1' }), ' auto respond ' + routeTotals.auto_respond,
              h('i', { class: 'c2' }), ' suggest articles ' + routeTotals.suggest_articles,
              h('i', { class: 'c3' }), ' escalate ' + routeTotals.escalate)),
          figure('First-response time (p50), per hour', stackedBars(frtRows, [{ key: 'p50', cls: 'c4' }],
              { label: 'median first-response time per hour' }),
              lastFrt.length ? 'latest ' + fmtNum(Math.round(lastFrt[lastFrt.length - 1])) + ' ms' : 'no responses yet'));
    }
  }

  function renderMetrics(data) {
    const parts = [h('h2', null, 'Automation metrics')];
    const top = {};
    for (const [k, v] of Object.entries(data)) {
      if (k === 'success_metrics' || k === 'not_yet_measured') {
        continue;
      }
      if (v === null || typeof v !== 'object') {
        top[k] = v;
      }
    }
    const cards = [h('div', { class: 'card' }, h('h3', null, 'Resolution (24 h)'), dl(top))];
    for (const [k, v] of Object.entries(data)) {
      if (k === 'success_metrics' || k === 'not_yet_measured' || v === null || typeof v !== 'object' || Array.isArray(v)) {
        continue;
      }
      const lists = Object.entries(v).filter(([, x]) => Array.isArray(x)).map(([lk, arr]) =>
        h('div', null, h('h4', null, label(lk)), arr.length === 0 ? h('p', { class: 'muted' }, 'none')
          : h('ul', null, arr.slice(0, 10).map((p) => h('li', null, typeof p === 'object' && p !== null
            ? (p.name || p.id || JSON.stringify(p)) + (p.effectiveness !== undefined ? ' (' + fmtNum(p.effectiveness) + ')' : '')
            : String(p))))));
      cards.push(h('div', { class: 'card', 'data-group': k }, h('h3', null, label(k)), dl(v), lists));
    }
    parts.push(h('div', { class: 'cards' }, cards));
    const nym = data.not_yet_measured || [];
    if (nym.length) {
      parts.push(h('p', { class: 'muted' }, 'Not yet measured: ' + nym.join(', ')));
    }
    fill($('overview-metrics'), parts);
  }

  // ---------------------------------------------------------------- live spikes (SSE)

  const live = { es: null, lastEventId: null, spikes: new Map(), cards: new Map(), retry: null, wanted: false };

  async function startLive() {
    live.wanted = true;
    if (live.es || !token) {
      return;
    }
    const r = await api('POST', '/api/admin/spikes/stream-token');
    if (!live.wanted) {
      return;
    }
    if (!r.ok) {
      setLiveState(r.status === 404 ? 'not available on this engine' : 'cannot connect: ' + errText(r) + '; retrying');
      if (r.status !== 404 && r.status !== 401) {
        live.retry = setTimeout(startLive, 5000);
      }
      return;
    }
    let url = r.data.stream_url;
    if (live.lastEventId) {
      // A new EventSource has no memory: resume after the last change this page saw.
      url += '&lastEventId=' + encodeURIComponent(live.lastEventId);
    }
    const es = new EventSource(url);
    live.es = es;
    setLiveState('connecting');
    es.onopen = () => setLiveState('connected');
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) {
        // The browser gave up (e.g. the stream token expired before a reconnect): get a new token.
        es.close();
        if (live.es === es) {
          live.es = null;
          setLiveState('reconnecting');
          live.retry = setTimeout(startLive, 1000);
        }
      } else {
        setLiveState('reconnecting');
      }
    };
    for (const name of ['spike.active', 'spike.started', 'spike.updated', 'spike.ended']) {
      es.addEventListener(name, (ev) => {
        if (ev.lastEventId) {
          live.lastEventId = ev.lastEventId;
        }
        let d;
        try {
          d = JSON.parse(ev.data);
        } catch (e) {
          return;
        }
        onSpike(name, d);
      });
    }
  }

  function stopLive() {
    live.wanted = false;
    if (live.retry) {
      clearTimeout(live.retry);
      live.retry = null;
    }
    if (live.es) {
      live.es.close();
      live.es = null;
    }
    live.lastEventId = null;
    live.spikes.clear();
    live.cards.clear();
    clear($('live-list'));
    setLiveState('not connected');
  }

  function setLiveState(text) {
    $('live-state').textContent = text;
  }

  function onSpike(name, d) {
    if (!d || d.id === undefined) {
      return;
    }
    const key = String(d.id);
    const prev = live.spikes.get(key);
    if (prev && prev.updated_at && d.updated_at && d.updated_at < prev.updated_at) {
      return;
    }
    live.spikes.set(key, d);
    if (name !== 'spike.updated' && name !== 'spike.active' && !$('view-live').hidden) {
      loadRecentSpikes();
    }
    const card = spikeCard(d, name);
    const old = live.cards.get(key);
    const list = $('live-list');
    if (old) {
      list.replaceChild(card, old);
    } else {
      list.prepend(card);
    }
    live.cards.set(key, card);
    const active = [...live.spikes.values()].filter((x) => x.status === 'active').length;
    const badge = $('live-badge');
    badge.hidden = active === 0;
    badge.textContent = String(active);
    badge.setAttribute('aria-label', active + ' active spikes');
  }

  function spikeCard(d, eventName) {
    const perMinute = Array.isArray(d.per_minute) ? d.per_minute : [];
    const samples = Array.isArray(d.sample_errors) ? d.sample_errors : [];
    return h('article', { class: 'card spike ' + (d.status === 'active' ? 'active' : 'ended'), 'data-spike-id': String(d.id), 'aria-label': 'spike ' + d.error_type },
        h('header', null,
            h('h3', { class: 'spike-type' }, String(d.error_type)),
            h('span', { class: 'pill ' + (d.status === 'active' ? 'bad' : 'muted') }, d.status === 'active' ? 'active' : 'ended'),
            h('span', { class: 'muted small' }, eventName.replace('spike.', '') + ' ' + fmtTime(d.updated_at || d.started_at))),
        h('div', { class: 'spike-body' },
            h('div', { class: 'spark-wrap' }, sparkline(perMinute, 'errors per minute over the last hour for ' + d.error_type),
                h('span', { class: 'muted small' }, 'last 60 min, per minute')),
            h('dl', { class: 'kv compact' },
                h('dt', null, 'last hour'), h('dd', { class: 'spike-count' }, fmtNum(d.count_last_hour)),
                h('dt', null, 'ratio'), h('dd', { class: 'spike-ratio' }, fmtNum(d.ratio) + '×'),
                h('dt', null, '24 h'), h('dd', null, fmtNum(d.count_24h)),
                h('dt', null, 'hourly avg'), h('dd', null, fmtNum(d.hourly_average)),
                h('dt', null, 'peak'), h('dd', null, fmtNum(d.peak_count)),
                h('dt', null, 'started'), h('dd', null, fmtTime(d.started_at)))),
        samples.length ? h('details', null, h('summary', null, 'Sample errors (' + samples.length + ')'),
            h('ul', { class: 'samples' }, samples.map((x) => h('li', null,
                h('code', null, String(x.error_code || x.error_type || '')), ' ',
                h('span', { class: 'sample-message' }, String(x.message || '')), ' ',
                h('span', { class: 'muted small' }, [x.user_id, fmtTime(x.occurred_at || x.created_at)].filter(Boolean).join(' · ')))))) : null);
  }

  async function loadRecentSpikes() {
    const r = await api('GET', '/api/admin/spikes?limit=20');
    const box = $('live-recent');
    if (!r.ok) {
      fill(box, unavailable('Recent spikes', r));
      return;
    }
    const rows = (r.data.spikes || []).map((x) => h('tr', null,
        h('td', null, String(x.error_type)), h('td', null, String(x.status)), h('td', null, fmtNum(x.peak_count)),
        h('td', null, fmtTime(x.started_at)), h('td', null, fmtTime(x.ended_at))));
    fill(box, rows.length ? table(['Error type', 'Status', 'Peak / h', 'Started', 'Ended'], rows) : h('p', { class: 'muted' }, 'No spikes yet.'));
  }

  // ---------------------------------------------------------------- queue

  let queueCursor = null;
  let openConversationId = null;

  function queueQuery() {
    const f = new FormData($('queue-filters'));
    const q = new URLSearchParams();
    for (const [k, v] of f.entries()) {
      if (String(v).trim() !== '') {
        q.set(k, String(v).trim());
      }
    }
    q.set('sort', '-updated_at');
    q.set('limit', '50');
    return q;
  }

  async function loadQueue(more) {
    const q = queueQuery();
    if (more && queueCursor) {
      q.set('cursor', queueCursor);
    }
    const r = await api('GET', '/api/admin/conversations?' + q.toString());
    const box = $('queue-list');
    if (!r.ok) {
      fill(box, unavailable('The conversation queue', r));
      return;
    }
    queueCursor = r.data.next_cursor || null;
    const rows = (r.data.items || []).map((c) => h('tr', { 'data-conversation-id': String(c.id) },
        h('td', null, h('button', { type: 'button', class: 'link open-conversation', onclick: () => openConversation(c.id) }, String(c.subject || '(no subject)'))),
        h('td', null, h('span', { class: 'pill s-' + c.status }, String(c.status))),
        h('td', null, String(c.priority || '')),
        h('td', null, String(c.handled_by || '')),
        h('td', null, String(c.assigned_to || '–')),
        h('td', null, String(c.user_id || '')),
        h('td', null, fmtTime(c.updated_at))));
    const tbl = rows.length ? table(['Subject', 'Status', 'Priority', 'Handled by', 'Assigned', 'Customer', 'Updated'], rows)
      : h('p', { class: 'muted' }, 'No conversations match these filters.');
    if (more) {
      const tbody = box.querySelector('tbody');
      if (tbody) {
        rows.forEach((row) => tbody.append(row));
      }
    } else {
      fill(box, tbl);
    }
    const old = $('queue-more');
    if (old) {
      old.remove();
    }
    if (queueCursor) {
      box.append(h('button', { id: 'queue-more', type: 'button', class: 'secondary', onclick: () => loadQueue(true) }, 'Load more'));
    }
  }

  async function openConversation(id) {
    openConversationId = id;
    const box = $('queue-detail');
    const r = await api('GET', '/api/admin/conversations/' + encodeURIComponent(id));
    if (!r.ok) {
      fill(box, unavailable('This conversation', r));
      return;
    }
    if (!articlesCache.length) {
      const a = await api('GET', '/api/admin/articles?limit=500&published=true');
      articlesCache = a.ok ? a.data.items || [] : [];
    }
    renderConversation(r.data);
    const heading = box.querySelector('h2');
    if (heading) {
      heading.focus();
    }
  }

  function renderConversation(data) {
    const c = data.conversation || {};
    const box = $('queue-detail');
    const messages = (data.messages || []).map((m) => h('li', { class: 'msg ' + m.sender_type + (m.internal ? ' internal' : '') },
        h('div', { class: 'msg-head' }, h('strong', null, String(m.author || m.sender_type)),
            h('span', { class: 'muted small' }, ' ' + m.sender_type + (m.internal ? ' · internal note' : '') + ' · ' + fmtTime(m.created_at))),
        h('p', { class: 'msg-body' }, String(m.content === null || m.content === undefined ? '' : m.content))));
    const triage = data.triage ? h('section', { class: 'card' }, h('h3', null, 'Triage explanation'), dl(data.triage),
        Array.isArray(data.triage.articles) && data.triage.articles.length
          ? h('ul', null, data.triage.articles.map((a) => h('li', null, String(a.title || a.slug) + ' (' + fmtNum(a.score) + ')'))) : null)
      : h('p', { class: 'muted' }, 'No triage recorded.');
    const errors = data.errors || [];
    const tickets = data.tickets || [];
    const spikes = data.spikes || [];
    const errorsBox = h('section', { class: 'card' }, h('h3', null, 'Linked errors (' + errors.length + ')'),
        errors.length ? errorTable(errors) : null,
        tickets.length ? [h('h4', null, 'Tickets of this customer (' + tickets.length + ')'),
          h('ul', null, tickets.slice(0, 20).map((t) => h('li', null, String(t.subject || t.id) + ' · ' + t.status
              + (t.occurrence_count ? ' · ' + t.occurrence_count + '×' : ''))))] : null,
        spikes.length ? [h('h4', null, 'Spikes of these error types (' + spikes.length + ')'),
          h('ul', null, spikes.slice(0, 20).map((x) => h('li', null, String(x.error_type) + ' · ' + fmtNum(x.count_last_hour)
              + ' in the last hour · ratio ' + fmtNum(x.ratio) + ' · since ' + fmtTime(x.started_at))))] : null);
    const cust = data.customer || null;
    const connections = cust && Array.isArray(cust.connections) ? cust.connections : [];
    const customerBox = h('section', { class: 'card' }, h('h3', null, 'Customer'),
        cust ? [dl(cust),
          h('h4', null, 'Connections (' + connections.length + ')'),
          connections.length ? table(['Connection', 'Status', 'Token expires', 'Last refresh'], connections.map((x) => h('tr', null,
              h('td', null, String(x.id || '') + (x.division ? ' (division ' + x.division + ')' : '') + (x.provider ? ' · ' + x.provider : '')),
              h('td', null, String(x.status || '')),
              h('td', null, fmtTime(x.token_expires_at)), h('td', null, fmtTime(x.last_refresh_at))))) : null,
          Array.isArray(cust.recent_errors) && cust.recent_errors.length
            ? [h('h4', null, 'Recent errors of this customer'), errorTable(cust.recent_errors)] : null]
          : h('p', { class: 'muted' }, 'Unknown customer.'));
    const version = c.version;
    const resolveSlug = h('input', { id: 'resolve-article', name: 'article_slug', list: 'article-slugs', type: 'text' });
    const slugList = h('datalist', { id: 'article-slugs' }, articlesCache.map((a) => h('option', { value: a.slug }, String(a.title_en || a.slug))));
    fill(box,
        h('h2', { tabindex: '-1', class: 'conversation-subject' }, String(c.subject || '(no subject)')),
        h('p', { class: 'meta' },
            h('span', { class: 'pill s-' + c.status, id: 'conversation-status' }, String(c.status)), ' ',
            ['priority ' + c.priority, 'category ' + c.category, 'handled by ' + c.handled_by,
              'assigned to ' + (c.assigned_to || 'nobody'), 'language ' + c.language, 'customer ' + c.user_id].join(' · ')),
        h('h3', null, 'Messages'),
        h('ol', { class: 'messages', id: 'conversation-messages' }, messages),
        h('div', { class: 'write actions' },
            form('reply-form', 'Reply to the customer', 'reply-text', 'Send reply', async (text) => {
              const x = await api('POST', '/api/admin/conversations/' + encodeURIComponent(c.id) + '/replies', { content: text, version });
              return after(x, 'Reply sent.');
            }),
            form('note-form', 'Internal note (never shown to the customer)', 'note-text', 'Add note', async (text) => {
              const x = await api('POST', '/api/admin/conversations/' + encodeURIComponent(c.id) + '/notes', { content: text });
              return after(x, 'Note added.');
            }),
            h('form', { class: 'inline', id: 'assign-form', onsubmit: async (ev) => {
              ev.preventDefault();
              const who = ev.target.elements.assigned_to.value.trim();
              const x = await api('PATCH', '/api/admin/conversations/' + encodeURIComponent(c.id), { version, assigned_to: who || null });
              after(x, who ? 'Assigned to ' + who + '.' : 'Unassigned.');
            } },
            h('label', null, 'Assign to ', h('input', { name: 'assigned_to', type: 'text', value: c.assigned_to || '' })),
            h('button', { type: 'submit' }, 'Assign'),
            h('button', { type: 'button', class: 'secondary', onclick: async () => {
              const x = await api('POST', '/api/admin/conversations/' + encodeURIComponent(c.id) + '/claim');
              after(x, 'Claimed.');
            } }, 'Claim')),
            h('form', { class: 'inline', id: 'status-form', onsubmit: async (ev) => {
              ev.preventDefault();
              const els = ev.target.elements;
              const x = await api('PATCH', '/api/admin/conversations/' + encodeURIComponent(c.id), { version, status: els.status.value, priority: els.priority.value });
              after(x, 'Updated.');
            } },
            h('label', null, 'Status ', select('status', ['open', 'waiting_support', 'waiting_customer', 'escalated', 'resolved', 'closed'], c.status)),
            h('label', null, 'Priority ', select('priority', ['low', 'normal', 'high', 'urgent'], c.priority)),
            h('button', { type: 'submit' }, 'Update')),
            h('form', { id: 'resolve-form', onsubmit: async (ev) => {
              ev.preventDefault();
              const summary = ev.target.elements.resolution_summary.value.trim();
              const slug = resolveSlug.value.trim();
              const body = { version, resolution_summary: summary };
              if (slug) {
                body.article_slug = slug;
              }
              const x = await api('POST', '/api/admin/conversations/' + encodeURIComponent(c.id) + '/resolve', body);
              after(x, 'Resolved.');
            } },
            h('label', { for: 'resolve-summary' }, 'Resolution summary'),
            h('textarea', { id: 'resolve-summary', name: 'resolution_summary', rows: 2, required: true }),
            h('label', { for: 'resolve-article' }, 'Resolved with article (slug, optional)'), resolveSlug, slugList,
            h('button', { type: 'submit' }, 'Resolve'))),
        triage, errorsBox, customerBox);
  }

  function errorTable(errors) {
    return table(['Type', 'Code', 'Tool', 'Message', 'When'], errors.slice(0, 20).map((e) => h('tr', null,
        h('td', null, String(e.error_type || '')), h('td', null, String(e.error_code || '')), h('td', null, String(e.tool || '')),
        h('td', null, String(e.message || '')), h('td', null, fmtTime(e.occurred_at || e.created_at)))));
  }

  function select(name, options, value) {
    return h('select', { name }, options.map((o) => h('option', { value: o, selected: o === value }, o.replace(/_/g, ' '))));
  }

  function form(id, labelText, fieldId, button, submit) {
    const ta = h('textarea', { id: fieldId, name: 'content', rows: 3, required: true });
    return h('form', { id, onsubmit: async (ev) => {
      ev.preventDefault();
      const text = ta.value.trim();
      if (text && !(await submit(text))) {
        // The conversation was re-rendered: give the draft back so nothing typed is lost.
        const again = $(fieldId);
        if (again) {
          again.value = text;
        }
      }
    } }, h('label', { for: fieldId }, labelText), ta, h('button', { type: 'submit' }, button));
  }

  async function after(x, okMsg) {
    if (x.ok) {
      say(okMsg);
    } else if (x.status === 409) {
      say('Someone else changed this conversation in the meantime: it has been reloaded, check and try again.', true);
    } else {
      say(errText(x), true);
    }
    if (openConversationId) {
      await openConversation(openConversationId);
    }
    if (x.ok) {
      loadQueue(false);
    }
    return x.ok;
  }

  // ---------------------------------------------------------------- knowledge

  async function loadKnowledge() {
    const [a, p] = await Promise.all([api('GET', '/api/admin/articles?limit=500'), api('GET', '/api/admin/patterns?limit=500')]);
    const patterns = p.ok ? p.data.items || [] : [];
    if (!a.ok) {
      fill($('knowledge-articles'), unavailable('Articles', a));
    } else {
      articlesCache = a.data.items || [];
      const bySlug = {};
      for (const x of patterns) {
        const e = bySlug[x.article_slug] || (bySlug[x.article_slug] = { t: 0, r: 0 });
        e.t += x.times_triggered || 0;
        e.r += x.times_resolved || 0;
      }
      fill($('knowledge-articles'), table(['Article', 'Category', 'Published', 'Resolved / used (patterns)'], articlesCache.map((x) => {
        const e = bySlug[x.slug];
        return h('tr', null,
            h('td', null, h('button', { type: 'button', class: 'link', onclick: () => editArticle(x) }, String(x.title_en || x.slug)),
                h('div', { class: 'muted small' }, String(x.slug))),
            h('td', null, String(x.category || '')),
            h('td', null, x.published ? 'yes' : 'no'),
            h('td', null, e && e.t ? e.r + ' / ' + e.t + ' (' + Math.round((100 * e.r) / e.t) + ' %)' : 'not used yet'));
      })));
    }
    if (!p.ok) {
      fill($('knowledge-patterns'), unavailable('Patterns', p));
    } else {
      fill($('knowledge-patterns'), table(['Pattern', 'Article', 'Triggered', 'Resolved', 'Effectiveness', 'Active'], patterns.map((x) => h('tr', null,
          h('td', null, String(x.name || x.id)),
          h('td', null, String(x.article_slug || '')),
          h('td', null, fmtNum(x.times_triggered)),
          h('td', null, fmtNum(x.times_resolved)),
          h('td', null, x.times_triggered ? Math.round((100 * x.times_resolved) / x.times_triggered) + ' %' : '–'),
          h('td', null, h('button', { type: 'button', class: 'secondary admin-only', 'aria-label': (x.active ? 'Deactivate ' : 'Activate ') + (x.name || x.id),
            onclick: async () => {
              const r = await api('PATCH', '/api/admin/patterns/' + encodeURIComponent(x.id), { active: !x.active });
              say(r.ok ? 'Pattern updated.' : errText(r), !r.ok);
              loadKnowledge();
            } }, x.active ? 'active: turn off' : 'inactive: turn on'))))));
    }
  }

  function editArticle(a) {
    const isNew = !a;
    a = a || { slug: '', category: 'general', title_nl: '', title_en: '', content_nl: '', content_en: '', tags: [], published: false };
    const field = (name, text, type) => h('div', { class: 'field' }, h('label', { for: 'article-' + name }, text),
        type === 'area' ? h('textarea', { id: 'article-' + name, name, rows: 6, required: true }, String(a[name] || ''))
          : h('input', { id: 'article-' + name, name, type: 'text', value: String(a[name] || ''), required: name !== 'tags', readonly: !isNew && name === 'slug' }));
    const f = h('form', { id: 'article-form', class: 'card', onsubmit: async (ev) => {
      ev.preventDefault();
      const e = ev.target.elements;
      const body = {
        slug: e.slug.value.trim(), category: e.category.value.trim(), title_nl: e.title_nl.value, title_en: e.title_en.value,
        content_nl: e.content_nl.value, content_en: e.content_en.value,
        tags: e.tags.value.split(',').map((t) => t.trim()).filter(Boolean), published: e.published.checked
      };
      const r = isNew ? await api('POST', '/api/admin/articles', body)
        : await api('PUT', '/api/admin/articles/' + encodeURIComponent(body.slug), body);
      say(r.ok ? 'Article saved' + (body.published ? ' and published.' : ' (not published).') : errText(r), !r.ok);
      if (r.ok) {
        loadKnowledge();
        editArticle(r.data);
      }
    } },
    h('h2', { tabindex: '-1' }, isNew ? 'New article' : 'Edit article'),
    field('slug', 'Slug (a-z, 0-9, -)'), field('category', 'Category'),
    field('title_nl', 'Title (Dutch)'), field('content_nl', 'Content (Dutch)', 'area'),
    field('title_en', 'Title (English)'), field('content_en', 'Content (English)', 'area'),
    h('div', { class: 'field' }, h('label', { for: 'article-tags' }, 'Tags (comma separated)'),
        h('input', { id: 'article-tags', name: 'tags', type: 'text', value: (a.tags || []).join(', ') })),
    h('div', { class: 'field check' }, h('input', { id: 'article-published', name: 'published', type: 'checkbox', checked: !!a.published }),
        h('label', { for: 'article-published' }, 'Published (visible at /kb/ and used by triage)')),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'admin-only' }, 'Save'),
        !isNew && a.published ? h('a', { href: '/kb/' + encodeURIComponent(a.slug), target: '_blank', rel: 'noopener noreferrer' }, 'View at /kb/') : null));
    fill($('knowledge-editor'), f);
    f.querySelector('h2').focus();
  }

  // ---------------------------------------------------------------- notifications

  /** How often the unread badge is refreshed while signed in (a count query; the view itself reloads on demand). */
  const NOTIFICATION_POLL_MS = 30000;
  let notificationsBefore = null;
  let notificationTimer = null;

  function setNotificationBadge(unread) {
    const badge = $('notifications-badge');
    badge.hidden = !(unread > 0);
    badge.textContent = unread > 0 ? String(unread) : '';
    badge.setAttribute('aria-label', unread + ' unread');
  }

  async function refreshNotificationBadge() {
    if (!me) {
      return;
    }
    const r = await api('GET', '/api/admin/notifications?limit=1');
    if (r.ok) {
      setNotificationBadge(r.data.unread);
    }
  }

  function notificationDetails(d) {
    const keys = Object.keys(d || {}).slice(0, 6);
    return keys.length ? keys.map((k) => k + ': ' + (typeof d[k] === 'object' ? JSON.stringify(d[k]) : String(d[k]))).join(' · ')
      : '';
  }

  async function markNotification(id) {
    const r = await api('POST', '/api/admin/notifications/' + encodeURIComponent(id) + '/read', {});
    say(r.ok ? 'Marked read.' : 'Could not mark it read: ' + errText(r));
    loadNotifications(false);
  }

  async function markAllNotifications() {
    const r = await api('POST', '/api/admin/notifications/read', {});
    say(r.ok ? 'Marked ' + r.data.marked + ' read.' : 'Could not mark them read: ' + errText(r));
    loadNotifications(false);
  }

  async function loadNotifications(more) {
    const f = $('notifications-filters').elements;
    const q = new URLSearchParams({ limit: '50' });
    if (f.unread.checked) {
      q.set('unread', 'true');
    }
    if (f.kind.value.trim()) {
      q.set('kind', f.kind.value.trim());
    }
    if (more && notificationsBefore) {
      q.set('before', String(notificationsBefore));
    }
    const r = await api('GET', '/api/admin/notifications?' + q.toString());
    const box = $('notifications-list');
    if (!r.ok) {
      fill(box, unavailable('Notifications', r));
      $('notifications-more').hidden = true;
      return;
    }
    setNotificationBadge(r.data.unread);
    const rows = (r.data.notifications || []).map((n) => h('tr', { 'data-notification-id': String(n.id), class: n.read_at ? 'read' : 'unread' },
        h('td', null, h('span', { class: 'pill' }, label(n.kind))),
        h('td', null, h('strong', null, String(n.title)), h('div', { class: 'muted small' }, notificationDetails(n.details))),
        h('td', null, fmtTime(n.created_at)),
        h('td', null, n.read_at ? 'read ' + fmtTime(n.read_at)
          : h('button', { type: 'button', class: 'secondary write mark-read', 'aria-label': 'Mark read: ' + n.title, onclick: () => markNotification(n.id) }, 'Mark read'))));
    const tableRows = rows.length ? table(['Kind', 'What', 'When', 'Read'], rows) : null;
    if (more) {
      const body = box.querySelector('tbody');
      if (body && tableRows) {
        for (const tr of tableRows.querySelectorAll('tbody tr')) {
          body.appendChild(tr);
        }
      }
    } else {
      fill(box, tableRows || h('p', { class: 'muted' }, 'No notifications' + (f.unread.checked ? ' unread' : '') + '.'));
    }
    notificationsBefore = r.data.next_before || null;
    $('notifications-more').hidden = !notificationsBefore;
  }

  // ---------------------------------------------------------------- devops

  let openDevopsTaskId = null;

  /** A link only for http(s) addresses; anything else (javascript:, data:, ...) stays text. */
  function safeLink(url, text, attrs) {
    let u = null;
    try {
      u = new URL(String(url), location.href);
    } catch (e) {
      u = null;
    }
    if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) {
      return h('span', null, String(text));
    }
    return h('a', Object.assign({ href: u.href, target: '_blank', rel: 'noopener noreferrer' }, attrs || {}), String(text));
  }

  function devopsTrigger(t) {
    const key = String(t.dedupe_key || '');
    if (key.startsWith('sentry:')) {
      return 'Sentry issue ' + key.slice('sentry:'.length);
    }
    return t.error_type ? String(t.error_type) : key || '–';
  }

  function prState(state) {
    // The agent only ever opens draft pull requests; "open" is a draft until a human marks it ready.
    return state === 'open' ? 'open (draft)' : String(state);
  }

  function fmtConfidence(v) {
    return typeof v === 'number' ? (Math.round(v * 100) / 100).toFixed(2) : '–';
  }

  async function loadDevops() {
    const status = $('devops-filters').elements.status.value;
    const q = new URLSearchParams({ limit: '100' });
    if (status) {
      q.set('status', status);
    }
    const r = await api('GET', '/api/admin/devops/tasks?' + q.toString());
    const box = $('devops-list');
    if (!r.ok) {
      fill(box, unavailable('DevOps tasks', r));
      clear($('devops-detail'));
      return;
    }
    const rows = (r.data.items || []).map((t) => h('tr', { 'data-devops-task-id': String(t.id) },
        h('td', null, h('button', { type: 'button', class: 'link open-devops-task', onclick: () => openDevopsTask(t.id) }, label(t.type || 'task')),
            h('div', { class: 'muted small' }, String(t.id))),
        h('td', null, devopsTrigger(t)),
        h('td', null, h('span', { class: 'pill d-' + t.status }, label(t.status))),
        h('td', null, t.outcome ? label(t.outcome) : '–'),
        h('td', null, fmtConfidence(t.confidence)),
        h('td', null, t.pr_url ? [safeLink(t.pr_url, '#' + (t.pr_number || '?')), ' ', prState(t.pr_state)] : '–'),
        h('td', null, fmtTime(t.created_at))));
    fill(box, rows.length ? table(['Task', 'Sentry issue or error type', 'Status', 'Outcome', 'Confidence', 'Fix PR', 'Created'], rows)
      : h('p', { class: 'muted' }, 'No DevOps tasks' + (status ? ' with status ' + label(status) : '') + '.'));
  }

  async function openDevopsTask(id) {
    openDevopsTaskId = id;
    const box = $('devops-detail');
    const r = await api('GET', '/api/admin/devops/tasks/' + encodeURIComponent(id));
    if (openDevopsTaskId !== id) {
      return;
    }
    if (!r.ok) {
      fill(box, unavailable('This DevOps task', r));
      return;
    }
    const t = r.data || {};
    const a = t.analysis && typeof t.analysis === 'object' ? t.analysis : null;
    const d = t.details && typeof t.details === 'object' ? t.details : {};
    const sentry = (a && a.sentry_url) || d.web_url || d.permalink || null;
    const text = (v) => (v === null || v === undefined || v === '' ? '–' : String(v));
    fill(box,
        h('h2', { tabindex: '-1', class: 'devops-title' }, (a && a.title) ? String(a.title) : label(t.type || 'task') + ' · ' + devopsTrigger(t)),
        h('p', { class: 'meta' }, h('span', { class: 'pill d-' + t.status, id: 'devops-status' }, label(t.status)), ' ',
            ['outcome ' + (t.outcome ? label(t.outcome) : '–'), 'attempts ' + fmtNum(t.attempts), 'created ' + fmtTime(t.created_at),
              'started ' + fmtTime(t.started_at), 'finished ' + fmtTime(t.finished_at)].join(' · ')),
        h('section', { class: 'card', id: 'devops-analysis' }, h('h3', null, 'Analysis'),
            a ? h('dl', { class: 'kv' },
                h('dt', null, 'root cause'), h('dd', { class: 'devops-root-cause' }, text(a.root_cause)),
                h('dt', null, 'fix approach'), h('dd', null, text(a.fix_approach)),
                h('dt', null, 'impact'), h('dd', null, text(a.impact)),
                h('dt', null, 'confidence'), h('dd', null, fmtConfidence(a.confidence)),
                a.mode ? [h('dt', null, 'made by'), h('dd', null, a.mode === 'offline' ? 'offline analysis (no model)' : String(a.mode))] : null)
              : h('p', { class: 'muted' }, 'No analysis yet.')),
        h('section', { class: 'card', id: 'devops-pr' }, h('h3', null, 'Fix pull request'),
            t.pr_url ? h('p', null, safeLink(t.pr_url, 'Pull request #' + (t.pr_number || '?'), { id: 'devops-pr-link' }), ' ',
                h('span', { class: 'pill pr-' + t.pr_state, id: 'devops-pr-state' }, prState(t.pr_state)),
                t.pr_branch ? h('span', { class: 'muted small' }, ' branch ' + t.pr_branch) : null,
                h('span', { class: 'muted small' }, ' · opened ' + fmtTime(t.pr_created_at) + (t.pr_merged_at ? ' · merged ' + fmtTime(t.pr_merged_at) : '')))
              : h('p', { class: 'muted' }, 'No pull request (the agent opens a draft only at high confidence; a human merges).')),
        h('section', { class: 'card' }, h('h3', null, 'Sentry and trigger'),
            sentry ? h('p', null, safeLink(sentry, 'Open in Sentry', { id: 'devops-sentry-link' })) : h('p', { class: 'muted' }, 'No Sentry link.'),
            dl(d)));
    const heading = box.querySelector('h2');
    if (heading) {
      heading.focus();
    }
  }

  // ---------------------------------------------------------------- settings

  async function loadSettings() {
    const [t, c] = await Promise.all([api('GET', '/api/admin/tokens'), api('GET', '/api/admin/config')]);
    if (!t.ok) {
      fill($('settings-tokens'), unavailable('Named admin tokens', t));
    } else {
      const items = t.data.items || [];
      fill($('settings-tokens'), items.length ? table(['Name', 'Role', 'Created', 'Last used', ''], items.map((x) => h('tr', null,
          h('td', null, String(x.name)), h('td', null, String(x.role)), h('td', null, fmtTime(x.created_at)),
          h('td', null, fmtTime(x.last_used_at)),
          h('td', null, h('button', { type: 'button', class: 'secondary admin-only', 'aria-label': 'Revoke token ' + x.name, onclick: async () => {
            if (!window.confirm('Revoke the token "' + x.name + '"?')) {
              return;
            }
            const r = await api('DELETE', '/api/admin/tokens/' + encodeURIComponent(x.id));
            say(r.ok ? 'Token revoked.' : errText(r), !r.ok);
            loadSettings();
          } }, 'Revoke'))))) : h('p', { class: 'muted' }, 'No named tokens yet.'));
    }
    if (!c.ok) {
      fill($('settings-config'), unavailable('The configuration', c));
    } else {
      const cfg = c.data.config || {};
      fill($('settings-config'), table(['Key', 'Value', 'Environment variable', 'From'], Object.keys(cfg).sort().map((k) => h('tr', null,
          h('th', { scope: 'row' }, k), h('td', null, String(cfg[k].value === null ? '' : cfg[k].value)),
          h('td', null, h('code', null, String(cfg[k].env || ''))), h('td', null, String(cfg[k].origin || ''))))),
      c.data.secrets ? h('p', { class: 'muted' }, 'Secrets: ' + String(c.data.secrets)) : null);
    }
  }

  async function createToken(ev) {
    ev.preventDefault();
    const e = ev.target.elements;
    const r = await api('POST', '/api/admin/tokens', { name: e.name.value.trim(), role: e.role.value });
    const out = $('token-created');
    if (r.ok) {
      fill(out, 'Token for ' + r.data.name + ' (' + r.data.role + '), shown only now: ', h('code', { id: 'new-token' }, String(r.data.token)));
      e.name.value = '';
      loadSettings();
    } else {
      fill(out, r.status === 404 ? 'Named tokens are not available on this engine.' : errText(r));
    }
  }

  // The overview refreshes itself while it is on screen.
  setInterval(() => {
    if (me && !document.hidden && !$('view-overview').hidden) {
      loadOverview();
    }
  }, 30000);

  // ---------------------------------------------------------------- start

  document.addEventListener('DOMContentLoaded', () => {
    $('signin-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const t = $('token').value.trim();
      if (!t) {
        return;
      }
      $('signin-button').disabled = true;
      const err = await signIn(t);
      $('signin-button').disabled = false;
      $('signin-error').textContent = err || '';
    });
    $('signout').addEventListener('click', () => signOut(''));
    $('queue-filters').addEventListener('submit', (ev) => {
      ev.preventDefault();
      loadQueue(false);
    });
    $('devops-filters').addEventListener('submit', (ev) => {
      ev.preventDefault();
      loadDevops();
    });
    $('notifications-filters').addEventListener('submit', (ev) => {
      ev.preventDefault();
      loadNotifications(false);
    });
    $('notifications-read-all').addEventListener('click', markAllNotifications);
    $('notifications-more').addEventListener('click', () => loadNotifications(true));
    $('article-new').addEventListener('click', () => editArticle(null));
    $('token-form').addEventListener('submit', createToken);
    window.addEventListener('hashchange', route);
    // Close the stream when the page goes away: a stream left to the browser can keep one of its six
    // connections to this host busy after a reload.
    window.addEventListener('pagehide', () => {
      if (live.es) {
        live.es.close();
        live.es = null;
      }
    });
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) {
      signIn(saved).then((err) => {
        if (err) {
          signOut('');
        }
      });
    } else {
      $('token').focus();
    }
  });
}());
