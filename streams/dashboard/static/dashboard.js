// Marsad dashboard: draws the store's views with plotly.js; live mode polls the JSON API,
// static mode (marsad report --html) reads the data embedded in the page.
(function () {
  "use strict";
  const cfg = window.MARSAD || { mode: "live", poll: 3 };
  const STATIC = cfg.mode === "static";
  const CAMPS = { haftar: "#c0392b", gnu: "#2471a3", turkey: "#d68910", russia: "#7d3c98" };
  const NO_CAMP = "#7f8c8d";
  const TYPE_COLORS = ["#2471a3", "#c0392b", "#1e8449", "#d68910", "#7d3c98", "#17a589", "#a04000", "#5d6d7e",
    "#cb4335", "#2e86c1", "#b7950b", "#6c3483", "#148f77"];
  const PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
  const state = { version: null, data: null, article: null, filters: {}, staticData: window.MARSAD_DATA || null };

  const $ = (id) => document.getElementById(id);
  const esc = (value) => String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const campColor = (camp) => CAMPS[camp] || NO_CAMP;
  const signed = (x) => (x > 0 ? "+" : x < 0 ? "−" : "±") + Math.abs(x).toFixed(2);
  const chip = (name, camps) => `<span class="chip camp-${esc((camps && camps[name]) || "none")}">${esc(name)}</span>`;

  // A date axis over [first - pad, last + pad] (plotly zooms a single day down to milliseconds).
  function dateRange(dates) {
    const days = dates.filter(Boolean).map((d) => Date.parse(d.slice(0, 10) + "T00:00:00Z")).filter((t) => !Number.isNaN(t));
    if (!days.length) return undefined;
    const first = Math.min(...days), last = Math.max(...days);
    const pad = Math.max(86400000, (last - first) * 0.04);
    const iso = (t) => new Date(t).toISOString().slice(0, 10);
    return [iso(first - pad), iso(last + pad)];
  }

  function dateAxis(dates, extra) {
    const range = dateRange(dates);
    const axis = { type: "date", range, tickformat: "%b %d\n%Y", ...extra };
    if (range && Date.parse(range[1]) - Date.parse(range[0]) <= 15 * 86400000) axis.dtick = 86400000;
    return axis;
  }

  function paddedRange(values) {
    if (!values.length) return undefined;
    const low = Math.min(...values), high = Math.max(...values);
    const pad = Math.max(0.3, (high - low) * 0.12);
    return [low - pad, high + pad];
  }

  // Marker diameter for a count, relative to the largest count drawn (area grows with the count).
  function sizer(counts, low, high) {
    const most = Math.max(1, ...counts);
    return (n) => low + (high - low) * Math.sqrt(n / most);
  }

  async function getJSON(url) {
    const response = await fetch(url, { cache: "no-store" });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.json();
  }

  function filterQuery() {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(state.filters)) if (value) params.set(key, value);
    return params.toString();
  }

  // ---------------------------------------------------------------- data sources
  function staticEvents(filters) {
    const all = state.staticData.timeline.events;
    const rows = all.filter((e) =>
      (!filters.actor || e.actors.includes(filters.actor) || e.targets.includes(filters.actor)) &&
      (!filters.camp || e.camps.includes(filters.camp)) &&
      (!filters.type || e.type === filters.type) &&
      (!filters.since || (e.date && e.date >= filters.since)) &&
      (!filters.until || (e.date && e.date <= filters.until)));
    return { ...state.staticData.timeline, points: undefined, events: rows, matched: rows.length };
  }

  async function loadPage() {
    if (STATIC) return { ...state.staticData, timeline: staticEvents(state.filters) };
    return getJSON("api/page?" + filterQuery());
  }

  async function loadEvents() {
    if (STATIC) return staticEvents(state.filters);
    return getJSON("api/events?" + filterQuery());
  }

  async function loadArticle(id) {
    if (STATIC) return (state.staticData.article_views || {})[id] || null;
    try { return await getJSON("api/article/" + encodeURIComponent(id)); } catch (error) { return null; }
  }

  // ---------------------------------------------------------------- views
  function renderSummary(s) {
    $("summary").innerHTML = `<b>${s.articles}</b> articles · <b>${s.outlets}</b> outlets · <b>${s.events}</b> events · ` +
      `<b>${s.stories}</b> stories` + (s.first_day ? ` · ${esc(s.first_day)} – ${esc(s.last_day)}` : "");
    document.body.dataset.articles = s.articles;
    document.body.dataset.revision = s.revision;
  }

  function renderStance(stance) {
    const size = sizer(stance.outlets.flatMap((l) => l.n), 5, 16);
    const traces = stance.outlets.map((line) => ({
      type: "scatter", mode: "lines+markers", name: line.outlet, x: line.x, y: line.y,
      customdata: line.n.map((n, i) => [n, line.supportive[i], line.critical[i]]),
      marker: { size: line.n.map(size) }, line: { width: 1.5 },
      hovertemplate: "<b>%{fullData.name}</b><br>%{x}<br>mean stance %{y:+.2f}<br>" +
        "%{customdata[0]} article(s): %{customdata[1]} supportive, %{customdata[2]} critical<extra></extra>",
    }));
    const layout = {
      margin: { l: 50, r: 10, t: 10, b: 40 }, hovermode: "closest",
      yaxis: { range: [-1.05, 1.05], zeroline: true, zerolinecolor: "#95a5a6", title: { text: "stance" } },
      xaxis: dateAxis(stance.outlets.flatMap((l) => l.x), { title: { text: stance.bucket === "week" ? "week" : "day" } }),
      legend: { orientation: "h", y: -0.2 },
      annotations: traces.length ? [] : [{ text: "no articles in the store yet", showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5 }],
    };
    if (stance.hidden_outlets) layout.annotations.push({ text: `+${stance.hidden_outlets} smaller outlets not drawn`, showarrow: false, xref: "paper", yref: "paper", x: 1, y: 1.02, xanchor: "right", font: { size: 11, color: "#5d6778" } });
    Plotly.react($("stance-chart"), traces, layout, PLOT_CONFIG);
  }

  function fillFilters(timeline) {
    const list = $("actor-list");
    const actors = timeline.actors.join("\n");
    if (list.dataset.actors !== actors) {
      list.innerHTML = timeline.actors.map((a) => `<option value="${esc(a)}">`).join("");
      list.dataset.actors = actors;
    }
    for (const [id, values] of [["f-camp", timeline.camps], ["f-type", timeline.types]]) {
      const select = $(id);
      const have = Array.from(select.options).slice(1).map((o) => o.value).join("\n");
      if (have !== values.join("\n")) {
        const current = select.value;
        select.innerHTML = select.options[0].outerHTML + values.map((v) => `<option>${esc(v)}</option>`).join("");
        select.value = values.includes(current) ? current : "";
      }
    }
  }

  // Events per day and type with a few examples each (the static report counts in the page).
  function countEvents(events) {
    const cells = new Map();
    for (const e of events) {
      if (!e.date) continue;
      const key = e.type + "\u0000" + e.date;
      if (!cells.has(key)) cells.set(key, { date: e.date, type: e.type, n: 0, sample: [] });
      const cell = cells.get(key);
      cell.n += 1;
      if (cell.sample.length < 4) cell.sample.push(`${e.actors.join(", ")} → ${e.targets.join(", ")}`);
    }
    return Array.from(cells.values());
  }

  function renderTimeline(timeline, camps) {
    fillFilters(timeline);
    const points = timeline.points || countEvents(timeline.events);
    const byType = new Map();
    for (const point of points) {
      if (!byType.has(point.type)) byType.set(point.type, []);
      byType.get(point.type).push(point);
    }
    const size = sizer(points.map((p) => p.n), 6, 22);
    const traces = Array.from(byType.keys()).sort().map((type, i) => {
      const list = byType.get(type);
      return {
        type: "scatter", mode: "markers", name: type,
        x: list.map((p) => p.date), y: list.map(() => type),
        marker: { color: TYPE_COLORS[i % TYPE_COLORS.length], size: list.map((p) => size(p.n)), opacity: 0.75 },
        text: list.map((p) => p.sample.map(esc).join("<br>") + (p.n > p.sample.length ? `<br>… ${p.n - p.sample.length} more` : "")),
        customdata: list.map((p) => p.n),
        hovertemplate: "<b>%{y}</b> %{x}: %{customdata} event(s)<br>%{text}<extra></extra>",
      };
    });
    Plotly.react($("timeline-chart"), traces, {
      margin: { l: 190, r: 10, t: 10, b: 40 }, showlegend: false, hovermode: "closest",
      xaxis: dateAxis(points.map((p) => p.date), { title: { text: timeline.bucket === "week" && timeline.points ? "events per week" : "events per day" } }), yaxis: { type: "category", automargin: true },
      annotations: traces.length ? [] : [{ text: "no events match", showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5 }],
    }, PLOT_CONFIG);
    $("timeline-count").textContent = `${timeline.matched} event(s) match` + (timeline.matched > timeline.events.length ? `; the newest ${timeline.events.length} are listed` : "");
    const rows = timeline.events.slice(0, 200).map((e) =>
      `<tr data-article="${esc(e.article_id)}" data-event="${e.idx}"><td>${esc(e.date || "")}</td><td>${esc(e.type)}</td>` +
      `<td>${e.actors.map((a) => chip(a, camps)).join("")} → ${e.targets.map((a) => chip(a, camps)).join("") || "–"}</td>` +
      `<td>${esc(e.location || "")}</td><td>${esc(e.modality)}</td><td>${esc(e.outlet)}</td></tr>`);
    $("timeline-table").tBodies[0].innerHTML = rows.join("") || `<tr><td colspan="6" class="empty">no events match the filters</td></tr>`;
  }

  function renderNetwork(net) {
    const where = new Map(net.nodes.map((n) => [n.name, n]));
    const traces = [];
    const buckets = [[1, 1, 1], [2, 3, 2.5], [4, Infinity, 4.5]];
    for (const [low, high, width] of buckets) {
      const x = [], y = [];
      for (const link of net.links) {
        if (link.n < low || link.n > high) continue;
        const a = where.get(link.a), b = where.get(link.b);
        x.push(a.x, b.x, null); y.push(a.y, b.y, null);
      }
      if (x.length) traces.push({ type: "scatter", mode: "lines", x, y, hoverinfo: "skip", showlegend: false, line: { width, color: "rgba(93,103,120,0.45)" } });
    }
    traces.push({
      type: "scatter", mode: "markers", showlegend: false, marker: { size: 6, color: "rgba(0,0,0,0)" },
      x: net.links.map((l) => (where.get(l.a).x + where.get(l.b).x) / 2), y: net.links.map((l) => (where.get(l.a).y + where.get(l.b).y) / 2),
      text: net.links.map((l) => `<b>${esc(l.a)} — ${esc(l.b)}</b><br>` + Object.entries(l.types).map(([t, n]) => `${t} ×${n}`).join("<br>")),
      hovertemplate: "%{text}<extra></extra>",
    });
    const groups = new Map();
    for (const node of net.nodes) {
      const key = node.camp || "no camp";
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(node);
    }
    const size = sizer(net.nodes.map((n) => n.mentions), 8, 36);
    for (const [camp, nodes] of groups) {
      traces.push({
        type: "scatter", mode: "markers+text", name: camp, x: nodes.map((n) => n.x), y: nodes.map((n) => n.y),
        text: nodes.map((n) => n.name), textposition: "top center", textfont: { size: 11 },
        customdata: nodes.map((n) => [n.mentions, n.articles, n.type || ""]),
        marker: { color: campColor(camp), size: nodes.map((n) => size(n.mentions)), line: { color: "#fff", width: 1 } },
        hovertemplate: "<b>%{text}</b> (%{fullData.name})<br>%{customdata[0]} mentions in %{customdata[1]} article(s)<extra></extra>",
      });
    }
    const hidden = { visible: false, showgrid: false, zeroline: false };
    Plotly.react($("network-chart"), traces, {
      margin: { l: 10, r: 10, t: 10, b: 10 }, hovermode: "closest",
      xaxis: { ...hidden, range: paddedRange(net.nodes.map((n) => n.x)) }, yaxis: { ...hidden, range: paddedRange(net.nodes.map((n) => n.y)) },
      legend: { orientation: "h", y: -0.02 },
      annotations: net.nodes.length ? [] : [{ text: "no interactions yet", showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5 }],
    }, PLOT_CONFIG);
  }

  function renderStories(stories) {
    if (!stories.length) {
      $("stories").innerHTML = `<p class="empty" id="stories-empty">No stories yet. The stories stage groups events that several outlets report into one story; ` +
        `the store keeps the newest state of each, and they appear here as they come.</p>`;
      return;
    }
    $("stories").innerHTML = stories.map((s) =>
      `<div class="story" data-story="${esc(s.id)}"${s.article_id ? ` data-article="${esc(s.article_id)}"` : ""}>` +
      `<div class="head"><span class="type">${esc(s.type || "story")}</span><span>${(s.participants || []).map((p) => chip(p)).join("")}</span>` +
      `${s.location ? `<span>in ${esc(s.location)}</span>` : ""}<span class="counts"><b>${s.num_sources}</b> source(s) · <b>${s.num_articles}</b> article(s) · ${esc((s.last_seen || "").slice(0, 16).replace("T", " "))}</span></div>` +
      (s.evidence ? `<div class="evidence" lang="ar">${esc(s.evidence)}</div>` : "") + `</div>`).join("");
  }

  function renderArticles(articles) {
    $("articles-table").tBodies[0].innerHTML = articles.map((a) =>
      `<tr data-article="${esc(a.id)}"${a.id === state.article ? ' class="selected"' : ""}><td>` +
      `<div class="ar title" lang="ar" dir="rtl">${esc(a.title || a.id)}</div>` +
      `<div class="meta">${esc(a.day || "")} · ${esc(a.outlet)} · <span class="label ${esc(a.label)}">${esc(a.label)} ${signed(a.score)}</span> · ${a.events} event(s)</div></td></tr>`).join("") ||
      `<tr><td class="empty">no articles in the store yet</td></tr>`;
  }

  // ---------------------------------------------------------------- article view
  function renderNode(node) {
    if (typeof node === "string") return esc(node);
    const d = node.d || {};
    const inner = node.c.map(renderNode).join("");
    const attrs = `data-kind="${node.k}" data-start="${node.s}" data-end="${node.e}"${node.part ? ' data-part="true"' : ""}`;
    if (node.k === "mention") {
      return `<span class="hl hl-mention camp-${esc(d.camp || "none")}" ${attrs} data-entity="${esc(d.entity)}" title="${esc(d.entity)}${d.camp ? " · " + esc(d.camp) : ""}">${inner}</span>`;
    }
    if (node.k === "cue") {
      const sign = d.weight >= 0 ? "pos" : "neg";
      return `<span class="hl hl-cue ${sign}" ${attrs} data-cue="${esc(d.cue)}" data-weight="${signed(d.weight)}" title="stance cue ${esc(d.cue)}: ${signed(d.weight)}">${inner}</span>`;
    }
    if (node.k === "evidence") {
      return `<span class="hl hl-evidence" ${attrs} data-event="${d.event}" title="${esc(d.type)}: ${esc((d.actors || []).join(", "))} → ${esc((d.targets || []).join(", "))} (${esc(d.modality)})">${inner}</span>`;
    }
    return inner;
  }

  function renderArticle(view) {
    const target = $("article-view");
    if (!view) { target.innerHTML = `<p class="empty">This article is not in the store.</p>`; return; }
    const camps = Object.fromEntries(view.entities.map((e) => [e.entity, e.camp]));
    const cues = view.cues.map((c, i) =>
      `<li class="cue-row" data-start="${c.start}" data-end="${c.end}"><span class="w ${c.weight >= 0 ? "pos" : "neg"}">${signed(c.weight)}</span> ${esc(c.cue)} <span class="t" lang="ar">«${esc(c.text)}»</span></li>`).join("");
    const events = view.events.map((e) =>
      `<li data-event="${e.event}"><b>${esc(e.type)}</b> ${e.actors.map((a) => chip(a, camps)).join("")} → ${e.targets.map((a) => chip(a, camps)).join("") || "–"} <span class="hint">${esc(e.modality)}${e.location ? ", " + esc(e.location) : ""}</span></li>`).join("");
    const entities = view.entities.slice().sort((a, b) => b.mentions - a.mentions).map((e) =>
      `<li>${chip(e.entity, camps)} ${e.mentions}×${e.linked ? "" : " (unlinked)"}</li>`).join("");
    const total = view.cues.reduce((sum, c) => sum + c.weight, 0);
    target.innerHTML =
      `<div class="article-head"><span class="title" lang="ar">${esc(view.title || "")}</span>` +
      `<span class="meta">${esc(view.outlet || "")} · ${esc(view.day || "")} · <span class="label ${esc(view.stance.label)}">${esc(view.stance.label)} ${signed(view.stance.score)}</span> · ${esc(view.id)}</span></div>` +
      `<div class="legend"><span><span class="hl hl-mention camp-haftar">name</span> entity (underline: camp)</span><span><span class="hl hl-evidence">sentence</span> event evidence</span>` +
      `<span><span class="hl hl-cue pos" data-weight="+">cue</span> / <span class="hl hl-cue neg" data-weight="−">cue</span> stance cue with its contribution</span></div>` +
      `<div class="article-body"><div id="article-text" class="article-text" dir="rtl" lang="ar">${view.tree.map(renderNode).join("")}</div>` +
      `<div class="side"><h3>Stance cues (${view.cues.length}; sum ${signed(total)}, score ${signed(view.stance.score)})</h3><ol id="article-cues">${cues || "<li class='empty'>none</li>"}</ol>` +
      `<h3>Events (${view.events.length})</h3><ol id="article-events">${events || "<li class='empty'>none</li>"}</ol>` +
      `<h3>Entities (${view.entities.length})</h3><ul id="article-entities">${entities}</ul></div></div>`;
    for (const item of target.querySelectorAll("#article-cues li[data-start]")) {
      item.addEventListener("click", () => flash(`.hl-cue[data-start="${item.dataset.start}"]`));
    }
    for (const item of target.querySelectorAll("#article-events li[data-event]")) {
      item.addEventListener("click", () => flash(`.hl-evidence[data-event="${item.dataset.event}"]`));
    }
  }

  function flash(selector) {
    const span = document.querySelector(`#article-text ${selector}`);
    if (!span) return;
    span.scrollIntoView({ block: "center", behavior: "smooth" });
    span.classList.remove("flash"); void span.offsetWidth; span.classList.add("flash");
  }

  async function openArticle(id, event) {
    state.article = id;
    for (const row of document.querySelectorAll("#articles-table tr.selected")) row.classList.remove("selected");
    const row = document.querySelector(`#articles-table tr[data-article="${CSS.escape(id)}"]`);
    if (row) row.classList.add("selected");
    renderArticle(await loadArticle(id));
    document.body.dataset.article = id;
    if (event !== undefined && event !== null) flash(`.hl-evidence[data-event="${event}"]`);
  }

  // ---------------------------------------------------------------- wiring
  function render(data) {
    state.data = data;
    renderSummary(data.summary);
    renderStance(data.stance);
    renderNetwork(data.network);
    renderStories(data.stories);
    renderArticles(data.articles);
    renderTimeline(data.timeline, campsOf(data));
  }

  function campsOf(data) {
    return Object.fromEntries((data.network.nodes || []).map((n) => [n.name, n.camp]));
  }

  async function refresh() {
    const data = await loadPage();
    render(data);
    if (!state.article && data.articles.length) state.article = data.articles[0].id;
    if (state.article) await openArticle(state.article);
    const live = $("live");
    live.className = "live ok updated";
    setTimeout(() => { live.className = "live ok"; }, 900);
    $("live-text").textContent = STATIC ? `snapshot of ${data.generated_at || ""}` : `live · updated ${new Date().toLocaleTimeString()}`;
  }

  async function poll() {
    try {
      const { version } = await getJSON("api/version");
      if (version !== state.version) {
        state.version = version;
        await refresh();
      }
      if ($("live").classList.contains("error")) $("live").className = "live ok";
    } catch (error) {
      $("live").className = "live error";
      $("live-text").textContent = "store unreachable, retrying";
    }
  }

  function bind() {
    const form = $("filters");
    const apply = async () => {
      state.filters = { actor: $("f-actor").value.trim(), camp: $("f-camp").value, type: $("f-type").value, since: $("f-since").value, until: $("f-until").value };
      renderTimeline(await loadEvents(), campsOf(state.data));
    };
    form.addEventListener("change", apply);
    form.addEventListener("submit", (e) => { e.preventDefault(); apply(); });
    form.addEventListener("reset", () => setTimeout(apply, 0));
    $("articles-table").addEventListener("click", (e) => { const row = e.target.closest("tr[data-article]"); if (row) openArticle(row.dataset.article); });
    $("timeline-table").addEventListener("click", (e) => {
      const row = e.target.closest("tr[data-article]");
      if (row) { openArticle(row.dataset.article, row.dataset.event); $("article-card").scrollIntoView({ behavior: "smooth" }); }
    });
    $("stories").addEventListener("click", (e) => { const s = e.target.closest("[data-article]"); if (s) { openArticle(s.dataset.article); $("article-card").scrollIntoView({ behavior: "smooth" }); } });
  }

  async function start() {
    bind();
    $("footer-mode").textContent = STATIC ? "static report (no live updates)" : `live: checks the store every ${cfg.poll} s`;
    if (STATIC) { await refresh(); return; }
    await poll();
    setInterval(poll, cfg.poll * 1000);
  }

  window.marsadDashboard = { state, refresh, openArticle };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
