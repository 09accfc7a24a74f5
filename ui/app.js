// One UI for the Tauri window and for browsers: figures come from the core through
// whichever door the page was opened by. Everything from the database is set as text
// (textContent), never as markup; charts arrive as SVG and are shown as images.
"use strict";

const I18N = {
  "zh-CN": {
    title: "110 指挥大屏", as_of: "数据截至", switch: "English", close: "关闭",
    p_overview: "总览", p_response: "响应", p_diversion: "分流", p_repeat: "重复警情", p_seats: "席位与警力",
    f_period: "时段", f_zone: "辖区", f_category: "类别", f_channel: "渠道", f_apply: "查询", f_reset: "复位",
    w_day: "今日", w_week: "本周", w_month: "本月", w_year: "本年", w_range: "自定义", all: "全部",
    to_wall: "大屏模式", to_desk: "桌面模式",
    c_hourly: "今日逐时呼入量 · 对比上周同日、去年同期", c_hourly_all: "（全中心，不随筛选变化）", c_sign_for: "签收用时分布（今日）",
    c_arrival: "到场用时分布（今日）", c_funnel: "110 → 12345 分流（今日）", c_categories: "今日警情类别",
    h_zones: "各巡区快速反应圈达标率（今日）", h_lagging: "未达标巡区", h_overdue: "超时未办结工单（全部在办）",
    h_callers: "一人多报", h_places: "一地多报", h_seats: "接警席位（今日）", h_units: "警力",
    t_order: "工单", t_category: "类别", t_zone: "辖区", t_department: "承办单位", t_due: "时限",
    t_overdue_by: "已超时", t_caller: "来电号码", t_place: "地点", t_week: "7天", t_month: "30天",
    t_year: "365天", t_last: "最近", t_seat: "席位", t_calls: "呼入", t_answered: "接听", t_abandoned: "呼损",
    t_answer_avg: "平均接听", t_answer_p90: "P90接听", t_within15: "15秒接听率", t_incident: "警情编号",
    t_priority: "级别", t_unit: "处警单位", t_created: "接报", t_sign_for: "签收", t_arrival: "到场", t_circle: "反应圈",
    k: {
      calls: "呼入量", valid_incidents: "有效警情", dispatches: "派警量", diversion_rate: "分流率",
      answered_within_15s: "15秒接听率", sign_for_avg_s: "平均签收", arrival_p90_s: "P90到场",
      circle_rate: "反应圈达标", satisfaction: "满意度", work_order_response_rate: "工单响应率",
      signed_for_within_30s: "30秒签收率", work_order_handled_rate: "工单办结率",
      work_order_feedback_rate: "工单反馈率", work_orders_overdue: "今日工单超时",
    },
    yoy: "同比", pop: "环比", meets: "✓ 达标", misses: "✗ 未达标", target: "目标",
    stale: (since) => `⚠ 数据已中断 · 自 ${since} 起未更新，显示的是最后一次数据`,
    unreachable: (since, why) => `⚠ 数据已中断 · 自 ${since} 起数据库无法访问（${why}）`,
    lost: "⚠ 数据已中断 · 与服务器的连接已断开，正在重连",
    loading: "正在计算指标…", bad_token: "⚠ 访问令牌无效，无法读取数据（请使用服务启动时给出的完整地址）",
    last_call: (t) => `最近来电 ${t}`, n_found: (n, shown) => (n > shown ? `共 ${n} 个，显示前 ${shown} 个` : `共 ${n} 个`),
    screened: (t) => `筛查时间 ${t} · 近7天≥2次、30天≥3次或一年≥5次`, not_screened: "正在筛查近一年来电…",
    busy: (n, all) => `出警中 ${n} / ${all}`, open_n: (n) => `在办 ${n} 起`, idle: "空闲",
    since: (t) => `自 ${t}`, circle_min: (m) => `${m}分钟圈`, n: (n) => `n=${n}`,
    filtered: (what) => `筛选：${what}（桌面查询，每 15 秒刷新）`, drill: (z) => `${z} · 警情明细`,
    none: "无", yes: "✓", no: "✗", history: "历次报警",
  },
  en: {
    title: "110 Command Wall", as_of: "Data as of", switch: "中文", close: "Close",
    p_overview: "Overview", p_response: "Response", p_diversion: "Diversion", p_repeat: "Repeat calls", p_seats: "Seats & units",
    f_period: "Period", f_zone: "Zone", f_category: "Category", f_channel: "Channel", f_apply: "Apply", f_reset: "Reset",
    w_day: "Today", w_week: "This week", w_month: "This month", w_year: "This year", w_range: "Range", all: "All",
    to_wall: "Wall mode", to_desk: "Desk mode",
    c_hourly: "Calls per hour today · vs same weekday last week and last year", c_hourly_all: " (whole centre, not filtered)", c_sign_for: "Sign-for time (today)",
    c_arrival: "Arrival time (today)", c_funnel: "110 → 12345 diversion (today)", c_categories: "Today's calls by category",
    h_zones: "Response-circle rate by zone (today)", h_lagging: "Zones below target", h_overdue: "Open work orders past their limit",
    h_callers: "One caller, many reports", h_places: "One place, many reports", h_seats: "Call-taker seats (today)", h_units: "Units",
    t_order: "Order", t_category: "Category", t_zone: "Zone", t_department: "Department", t_due: "Due",
    t_overdue_by: "Overdue by", t_caller: "Caller", t_place: "Place", t_week: "7 d", t_month: "30 d",
    t_year: "365 d", t_last: "Last", t_seat: "Seat", t_calls: "Calls", t_answered: "Answered", t_abandoned: "Abandoned",
    t_answer_avg: "Avg answer", t_answer_p90: "P90 answer", t_within15: "Within 15 s", t_incident: "Incident",
    t_priority: "Priority", t_unit: "Unit", t_created: "Received", t_sign_for: "Sign-for", t_arrival: "Arrival", t_circle: "Circle",
    k: {
      calls: "Calls", valid_incidents: "Valid incidents", dispatches: "Dispatches", diversion_rate: "Diversion rate",
      answered_within_15s: "Answered ≤ 15 s", sign_for_avg_s: "Avg sign-for", arrival_p90_s: "P90 arrival",
      circle_rate: "Circle rate", satisfaction: "Satisfaction", work_order_response_rate: "Order response",
      signed_for_within_30s: "Signed ≤ 30 s", work_order_handled_rate: "Orders handled",
      work_order_feedback_rate: "Orders fed back", work_orders_overdue: "Overdue (sent today)",
    },
    yoy: "YoY", pop: "PoP", meets: "✓ on target", misses: "✗ below target", target: "target",
    stale: (since) => `⚠ Data feed stopped · no update since ${since}; showing the last figures`,
    unreachable: (since, why) => `⚠ Data feed stopped · database unreachable since ${since} (${why})`,
    lost: "⚠ Data feed stopped · connection to the server lost, reconnecting",
    loading: "Computing the figures…", bad_token: "⚠ Invalid access token: no figures (open the full address the server printed)",
    last_call: (t) => `Last call ${t}`, n_found: (n, shown) => (n > shown ? `${n} found, first ${shown} shown` : `${n} found`),
    screened: (t) => `Screened ${t} · ≥2 in 7 days, ≥3 in 30 or ≥5 in a year`, not_screened: "Screening the year's calls…",
    busy: (n, all) => `${n} of ${all} busy`, open_n: (n) => `${n} open`, idle: "available",
    since: (t) => `since ${t}`, circle_min: (m) => `${m}-min circle`, n: (n) => `n=${n}`,
    filtered: (what) => `Filtered: ${what} (desk query, refreshed every 15 s)`, drill: (z) => `${z} · incidents`,
    none: "none", yes: "✓", no: "✗", history: "Earlier reports",
  },
};

const PAGES = ["overview", "response", "diversion", "repeat", "seats"];
// Seconds each page stays up on the wall; `?rotate=overview:40,response:20` overrides.
const DWELL = { overview: 30, response: 20, diversion: 20, repeat: 15, seats: 15 };

const params = new URLSearchParams(location.search);
const tauri = window.__TAURI__ ? window.__TAURI__.core : null;
// The page was opened with ?token=… by `commandwall serve`; the Tauri window needs none.
const token = params.get("token") || "";

let lang = params.get("lang") || localStorage.getItem("lang") || "zh-CN";
if (!I18N[lang]) lang = "zh-CN";
let wall = params.has("wall");
let page = PAGES.includes(params.get("page")) ? params.get("page") : "overview";
const pinned = params.has("page");
let state = null;        // the last state received
let failure = null;      // {kind, text} while the door fails
let lastHeard = 0;       // when a state last arrived (ms, local clock)
let desk = null;         // the desk's filtered answer, when a filter is set
let deskQuery = null;
const loaded = {};       // chart element key → digest shown

const $ = (id) => document.getElementById(id);
const t = () => I18N[lang];

// ---------- doors ----------

async function api(path) {
  const res = await fetch(path, { headers: { Accept: "application/json", Authorization: `Bearer ${token}` } });
  if (res.status === 401) throw { kind: "token", message: "401" };
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try { message = (await res.json()).message || message; } catch (_) { /* not JSON */ }
    throw { kind: "http", message };
  }
  return res;
}

async function fetchState() {
  if (tauri) return tauri.invoke("wall_state");
  return (await api("api/state")).json();
}

async function fetchChart(key) {
  if (tauri) return tauri.invoke("chart", { key });
  return (await api(`api/charts/${encodeURIComponent(key)}`)).text();
}

async function fetchRepeat() {
  if (tauri) return tauri.invoke("repeat_page");
  return (await api("api/repeat")).json();
}

async function fetchDesk(q) {
  if (tauri) return tauri.invoke("desk_query", { query: q });
  return (await api(`api/desk?${new URLSearchParams(q)}`)).json();
}

async function fetchIncidents(zone, q) {
  if (tauri) return tauri.invoke("zone_incidents", { zone, query: q });
  return (await api(`api/zones/${encodeURIComponent(zone)}/incidents?${new URLSearchParams(q)}`)).json();
}

function receive(s) {
  state = s;
  failure = null;
  lastHeard = Date.now();
  render();
}

function fail(e) {
  failure = e && e.kind === "token" ? { kind: "token" } : { kind: "lost", message: e && e.message };
  render();
}

// Browsers follow the live stream; the window asks the core every second. Either way a
// wall that hears nothing for 5 s says so instead of looking fresh.
function connect() {
  if (tauri) {
    const poll = () => fetchState().then(receive, fail);
    poll();
    setInterval(poll, 1000);
    return;
  }
  // Ask once first: a refused token is told apart from a lost connection.
  // EventSource retries a dropped connection by itself, but gives up for good on an HTTP
  // error (a proxy's 502 while the server restarts): then a new one is opened, so a wall
  // comes back after a restart or a night's sleep without anyone touching it.
  const listen = () => {
    const es = new EventSource(`api/events?token=${encodeURIComponent(token)}`);
    es.addEventListener("state", (ev) => receive(JSON.parse(ev.data)));
    es.onerror = () => {
      if (Date.now() - lastHeard > 5000) fail({ kind: "lost" });
      if (es.readyState === EventSource.CLOSED) setTimeout(listen, 3000);
    };
  };
  fetchState().then(receive, fail).finally(() => {
    if (failure && failure.kind === "token") return;
    listen();
  });
  setInterval(() => {
    if (state && !failure && Date.now() - lastHeard > 5000) fail({ kind: "lost" });
  }, 1000);
}

// ---------- formatting (Chinese number habits, wall-design.md) ----------

function fmtCount(v) {
  if (v === null || v === undefined) return "—";
  if (wall && Math.abs(v) >= 100000 && lang === "zh-CN") return `${(v / 10000).toFixed(1)}万`;
  return new Intl.NumberFormat(lang).format(Math.round(v));
}

function fmtShare(v) {
  return v === null || v === undefined ? "—" : `${(v * 100).toFixed(1)}%`;
}

function fmtSecs(v) {
  if (v === null || v === undefined) return "—";
  const s = Math.round(v);
  const zh = lang === "zh-CN";
  if (s < 60) return zh ? `${s}秒` : `${s} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60), r = s % 60;
    return zh ? `${m}分${r ? `${r}秒` : ""}` : `${m} min${r ? ` ${r} s` : ""}`;
  }
  const h = Math.floor(s / 3600), m = Math.round((s % 3600) / 60);
  return zh ? `${h}小时${m ? `${m}分` : ""}` : `${h} h${m ? ` ${m} min` : ""}`;
}

function fmt(unit, v) {
  return unit === "share" ? fmtShare(v) : unit === "seconds" ? fmtSecs(v) : fmtCount(v);
}

/// hh:mm:ss in the centre's zone; `withDate` adds the day, "short" drops the seconds.
function timeIn(ms, withDate) {
  const tz = state ? state.time_zone : "Asia/Shanghai";
  const o = { timeZone: tz, hour: "2-digit", minute: "2-digit", hour12: false };
  if (withDate !== "short") o.second = "2-digit";
  if (withDate) Object.assign(o, { month: "2-digit", day: "2-digit" });
  return new Intl.DateTimeFormat(lang, o).format(new Date(ms));
}

function name(kind, code) {
  if (!code) return "—";
  const list = state && state.pages ? state.pages.names[kind] : [];
  const l = list.find((x) => x.code === code);
  return l ? (lang === "zh-CN" ? l.zh : l.en) : code;
}

// ---------- DOM helpers: text only ----------

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

function rows(tableId, items, cells, onClick) {
  const body = $(tableId).tBodies[0];
  body.replaceChildren(...items.map((it) => {
    const tr = el("tr");
    for (const c of cells(it)) {
      const td = el("td", c.cls || "", c.text);
      tr.append(td);
    }
    if (onClick) { tr.classList.add("clickable"); tr.addEventListener("click", () => onClick(it, tr)); }
    return tr;
  }));
}

function changeText(label, tr) {
  // No base (or a base of 0): "—", never an arrow without a number.
  if (tr.pct === null || tr.pct === undefined) return `${label} —`;
  // A change that rounds to 0.0% reads as level, not as a move either way.
  if (Math.abs(tr.pct) < 0.05) return `${label} →0.0%`;
  const arrow = { up: "↑", down: "↓", flat: "→", none: "" }[tr.arrow];
  return `${label} ${arrow}${Math.abs(tr.pct).toFixed(1)}%`;
}

function tone(good) {
  return good === true ? "good" : good === false ? "bad" : "neutral";
}

/// Fills a tile grid from tiles; each figure carries its raw value for tests and readers.
function renderTiles(containerId, tiles) {
  const box = $(containerId);
  const tr = t();
  const seen = new Set();
  for (const tile of tiles) {
    seen.add(tile.key);
    let node = box.querySelector(`[data-tile="${tile.key}"]`);
    if (!node) {
      node = el("section", "tile");
      node.dataset.tile = tile.key;
      node.append(el("div", "label"), el("div", "value"), el("div", "grade"), el("div", "compare"));
      box.append(node);
    }
    node.className = `tile ${tile.grade}`;
    node.querySelector(".label").textContent = tr.k[tile.key] || tile.key;
    const value = node.querySelector(".value");
    const text = fmt(tile.unit, tile.value);
    value.dataset.key = tile.key;
    const raw = tile.value === null || tile.value === undefined ? "" : String(tile.value);
    if (value.dataset.value !== raw && value.dataset.value !== undefined) {
      // A changed number flashes once; nothing animates continuously.
      value.classList.remove("flash");
      void value.offsetWidth;
      value.classList.add("flash");
    }
    value.dataset.value = raw;
    value.textContent = text;
    const grade = node.querySelector(".grade");
    grade.textContent = tile.grade === "meets" ? tr.meets
      : tile.grade === "misses" ? `${tr.misses} · ${tr.target} ${fmt(tile.unit, tile.target)}` : "";
    const cmp = node.querySelector(".compare");
    const level = (c) => c.pct === null || c.pct === undefined || Math.abs(c.pct) < 0.05;
    const yoy = el("span", level(tile.yoy) ? "neutral" : tone(tile.yoy.good), changeText(tr.yoy, tile.yoy));
    const pop = el("span", level(tile.pop) ? "neutral" : tone(tile.pop.good), changeText(tr.pop, tile.pop));
    cmp.replaceChildren(yoy, pop);
  }
  for (const node of [...box.children]) if (!seen.has(node.dataset.tile)) node.remove();
}

// ---------- pages ----------

function renderOverview(p) {
  renderTiles("ov-tiles", desk ? desk.tiles : p.overview.tiles);
}

function renderResponse(p) {
  const r = p.response;
  const tr = t();
  renderTiles("rs-tiles", r.tiles);
  $("zone-grid").replaceChildren(...r.zones.map((z) => {
    const c = el("button", `zone ${z.grade}`);
    c.type = "button";
    c.dataset.zone = z.code;
    const rate = el("div", "zrate", fmtShare(z.circle_rate));
    rate.dataset.key = `circle_rate:${z.code}`;
    rate.dataset.value = z.circle_rate === null ? "" : String(z.circle_rate);
    c.append(el("div", "zname", z.name), rate,
      el("div", "zmeta", `${tr.circle_min(z.circle_minutes)} · ${tr.n(z.n)}`));
    if (!wall) c.addEventListener("click", () => drill(z));
    return c;
  }));
  $("lagging").replaceChildren(...r.lagging.slice(0, wall ? 6 : 17).map((z) => {
    const li = el("li", "misses");
    li.append(el("span", "zname", z.name), el("span", "zrate", fmtShare(z.circle_rate)),
      el("span", "zmeta", `P90 ${fmtSecs(z.arrival_p90_s)} · ${tr.n(z.n)}`));
    return li;
  }));
  if (!r.lagging.length) $("lagging").replaceChildren(el("li", "meets", tr.none));
}

function renderDiversion(p) {
  const d = p.diversion;
  const now = state.checked_at;
  const tr = t();
  renderTiles("dv-tiles", d.tiles);
  $("overdue-count").textContent = tr.n_found(d.overdue_open, Math.min(d.overdue.length, wall ? 5 : 50));
  rows("overdue", d.overdue.slice(0, wall ? 5 : 50), (o) => [
    { text: o.source_id }, { text: name("categories", o.category) }, { text: name("zones", o.zone) },
    { text: o.department || "—" }, { text: timeIn(o.due, "short") }, { text: fmtSecs((now - o.due) / 1000), cls: "bad" },
  ]);
}

function historyRows(f) {
  return f.history.map((h) => `${timeIn(h.received, true)}  ${name("categories", h.category)}  ${h.incident_id || ""}`).join("\n");
}

// The repeat page is screened every few minutes and is the largest: fetched on its own,
// only when a new screening is out.
let repeatPage = null;
let repeatAsked = null;
function loadRepeat(p) {
  if (!p.repeat_screened_at || repeatAsked === p.repeat_screened_at) return;
  repeatAsked = p.repeat_screened_at;
  fetchRepeat().then((r) => { repeatPage = r; if (state && state.pages) renderRepeat(); },
    () => { repeatAsked = null; });
}

function renderRepeat() {
  const r = repeatPage;
  const tr = t();
  if (!r) {
    $("repeat-note").textContent = tr.not_screened;
    return;
  }
  $("repeat-note").textContent = tr.screened(timeIn(r.screened_at, true));
  $("callers-count").textContent = tr.n_found(r.callers_found, r.callers.length);
  $("places-count").textContent = tr.n_found(r.places_found, r.places.length);
  const limit = wall ? 13 : 100;
  const expand = (f, row) => {
    if (wall) return;
    const next = row.nextElementSibling;
    if (next && next.classList.contains("history")) { next.remove(); return; }
    const h = el("tr", "history");
    const td = el("td", "", `${tr.history}\n${historyRows(f)}`);
    td.colSpan = 7;
    h.append(td);
    row.after(h);
  };
  rows("callers", r.callers.slice(0, limit), (f) => [
    { text: f.who, cls: "mono" }, { text: name("categories", f.category) }, { text: name("zones", f.zone) },
    { text: String(f.week) }, { text: String(f.month) }, { text: String(f.year) }, { text: timeIn(f.last, "short") },
  ], expand);
  // Visitors see the wall: places are cut to the street there; the desk sees the address.
  rows("places", r.places.slice(0, limit), (f) => [
    { text: wall ? f.street : f.who }, { text: name("categories", f.category) },
    { text: String(f.week) }, { text: String(f.month) }, { text: String(f.year) }, { text: timeIn(f.last, "short") },
  ], expand);
}

function renderSeats(p) {
  const s = p.seats;
  const tr = t();
  rows("seat-table", s.seats, (r) => [
    { text: r.name }, { text: fmtCount(r.calls) }, { text: fmtCount(r.answered) }, { text: fmtCount(r.abandoned) },
    { text: fmtSecs(r.answer_avg_s) }, { text: fmtSecs(r.answer_p90_s) },
    { text: fmtShare(r.answered_within_15s), cls: r.grade },
  ]);
  $("units-busy").textContent = tr.busy(s.units_busy, s.units.length);
  $("units").replaceChildren(...s.units.map((u) => {
    const c = el("div", `unit ${u.open_incidents > 0 ? "busy" : "idle"}`);
    c.append(el("div", "uname", u.name),
      el("div", "umeta", u.open_incidents > 0
        ? `${tr.open_n(u.open_incidents)} · ${tr.since(timeIn(u.busy_since))}` : tr.idle));
    return c;
  }));
}

// ---------- charts: fetched only when their digest changed ----------

function loadCharts() {
  if (!state || !state.charts) return;
  document.querySelectorAll(".page [data-chart]").forEach((box) => {
    const key = `${box.dataset.chart}.${lang}`;
    const digest = state.charts[key];
    if (!digest || loaded[key] === digest) return;
    loaded[key] = digest;
    fetchChart(key).then((svg) => {
      let img = box.querySelector("img");
      if (!img) { img = el("img"); img.alt = ""; box.replaceChildren(img); }
      img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
      img.dataset.digest = digest;
    }, () => { delete loaded[key]; });
  });
}

// ---------- the frame: banner, clock, page switching ----------

function renderBanner() {
  const tr = t();
  const b = $("banner");
  let kind = "", text = "";
  if (failure && failure.kind === "token") { kind = "error"; text = tr.bad_token; }
  else if (failure) { kind = "stale"; text = tr.lost; }
  else if (state && state.stale) {
    kind = "stale";
    text = state.stale.code === "feed_silent" ? tr.stale(timeIn(state.stale.since, true)) : tr.unreachable(timeIn(state.stale.since, true), state.stale.reason);
  } else if (!state || !state.pages) { kind = "loading"; text = tr.loading; }
  b.hidden = !kind;
  b.dataset.kind = kind;
  b.textContent = text;
  document.body.classList.toggle("stale", kind === "stale" || kind === "error");
}

function render() {
  const tr = t();
  document.documentElement.lang = lang;
  document.body.classList.toggle("wall", wall);
  document.body.dataset.page = page;
  document.querySelectorAll("[data-i18n]").forEach((e) => { e.textContent = tr[e.dataset.i18n]; });
  $("lang").textContent = tr.switch;
  $("mode").textContent = wall ? tr.to_desk : tr.to_wall;
  $("page-title").textContent = tr[`p_${page}`];
  document.querySelectorAll(".page").forEach((s) => { s.hidden = s.dataset.page !== page; });
  // Filters answer the overview's tiles only; the chart and the other pages stay live.
  document.body.classList.toggle("filtered", !!desk);
  $("filter-note").hidden = !deskQuery || page !== "overview";
  document.querySelectorAll("[data-goto]").forEach((b) => b.classList.toggle("on", b.dataset.goto === page));
  $("dots").replaceChildren(...PAGES.map((p) => el("span", p === page ? "on" : "", "●")));
  renderBanner();
  if (!state) return;
  $("centre").textContent = state.centre;
  $("as_of").textContent = state.as_of ? timeIn(state.as_of) : "--:--:--";
  $("last_call").textContent = state.last_call ? tr.last_call(timeIn(state.last_call)) : "";
  const p = state.pages;
  if (!p) return;
  fillFilterOptions(p.names);
  renderOverview(p);
  renderResponse(p);
  renderDiversion(p);
  loadRepeat(p);
  renderRepeat();
  renderSeats(p);
  // Mark which figures are on screen, so a reader (or a test) can match them to the API.
  document.body.dataset.seq = desk ? "" : String(state.seq);
  loadCharts();
}

function show(next) {
  page = next;
  render();
}

// The wall rotates through its pages, each for its own time.
function rotate() {
  const dwell = { ...DWELL };
  for (const part of (params.get("rotate") || "").split(",")) {
    const [p, s] = part.split(":");
    if (PAGES.includes(p) && Number(s) > 0) dwell[p] = Number(s);
  }
  let since = Date.now();
  setInterval(() => {
    if (!wall || pinned) { since = Date.now(); return; }
    if (Date.now() - since >= dwell[page] * 1000) {
      since = Date.now();
      show(PAGES[(PAGES.indexOf(page) + 1) % PAGES.length]);
    }
  }, 500);
}

// ---------- desk: filters and drill-down ----------

let optionsFilled = false;
function fillFilterOptions(names) {
  if (optionsFilled) return;
  optionsFilled = true;
  const f = $("filters");
  const fill = (sel, list) => {
    sel.replaceChildren(el("option", "", t().all), ...list.map((l) => {
      const o = el("option", "", lang === "zh-CN" ? l.zh : l.en);
      o.value = l.code;
      return o;
    }));
    sel.options[0].value = "";
  };
  fill(f.zone, names.zones);
  fill(f.category, names.categories);
  fill(f.channel, names.channels);
}

function currentQuery() {
  const f = $("filters");
  const q = {};
  if (f.period.value === "range") {
    if (f.from.value && f.to.value) { q.from = f.from.value; q.to = f.to.value; }
  } else q.period = f.period.value;
  for (const k of ["zone", "category", "channel"]) if (f[k].value) q[k] = f[k].value;
  return q;
}

function describe(q) {
  const f = $("filters");
  const parts = [];
  parts.push(q.from ? `${q.from} – ${q.to}` : f.period.options[f.period.selectedIndex].textContent);
  for (const k of ["zone", "category", "channel"]) if (q[k]) parts.push(f[k].options[f[k].selectedIndex].textContent);
  return parts.join(" · ");
}

async function runDesk() {
  if (!deskQuery) { desk = null; $("filter-note").hidden = true; render(); return; }
  try {
    desk = await fetchDesk(deskQuery);
    $("filter-note").hidden = false;
    $("filter-note").classList.remove("bad");
    $("filter-note").textContent = t().filtered(describe(deskQuery));
  } catch (e) {
    $("filter-note").hidden = false;
    $("filter-note").classList.add("bad");
    $("filter-note").textContent = `⚠ ${e.message || e}`;
  }
  render();
}

async function drill(zone) {
  const tr = t();
  const q = deskQuery ? { ...deskQuery } : { period: "day" };
  $("drill-title").textContent = tr.drill(zone.name);
  $("drill").hidden = false;
  try {
    const list = await fetchIncidents(zone.code, q);
    rows("drill-table", list, (i) => [
      { text: i.source_id, cls: "mono" }, { text: name("categories", i.category) },
      { text: i.priority === null ? "—" : String(i.priority) }, { text: i.unit || "—" },
      { text: timeIn(i.created, true) }, { text: fmtSecs(i.sign_for_s) }, { text: fmtSecs(i.arrival_s) },
      { text: i.within_circle === null ? "—" : i.within_circle ? tr.yes : tr.no,
        cls: i.within_circle === null ? "" : i.within_circle ? "meets" : "misses" },
    ]);
  } catch (e) {
    $("drill-table").tBodies[0].replaceChildren(el("tr", "", `⚠ ${e.message || e}`));
  }
}

function wire() {
  document.querySelectorAll("[data-goto]").forEach((b) => b.addEventListener("click", () => show(b.dataset.goto)));
  $("lang").addEventListener("click", () => {
    lang = lang === "zh-CN" ? "en" : "zh-CN";
    localStorage.setItem("lang", lang);
    optionsFilled = false;
    render();
  });
  $("mode").addEventListener("click", () => {
    wall = !wall;
    if (tauri) tauri.invoke("set_wall", { on: wall }).catch(() => {});
    render();
  });
  $("filters").addEventListener("submit", (e) => {
    e.preventDefault();
    const q = currentQuery();
    const plain = Object.keys(q).length === 1 && q.period === "day";
    deskQuery = plain ? null : q;
    runDesk();
  });
  $("f-reset").addEventListener("click", () => { $("filters").reset(); deskQuery = null; runDesk(); });
  $("drill-close").addEventListener("click", () => { $("drill").hidden = true; });
  // Keys for the desk: 1–5 pick a page, W toggles the wall.
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("form")) return;
    const n = Number(e.key);
    if (n >= 1 && n <= PAGES.length) show(PAGES[n - 1]);
    if (e.key === "w" || e.key === "W") $("mode").click();
  });
  setInterval(() => { if (deskQuery) runDesk(); }, 15000);
  setInterval(() => { $("clock").textContent = timeIn(Date.now()); }, 1000);
}

wire();
render();
rotate();
connect();
