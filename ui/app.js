// One UI for the Tauri window and for browsers: figures come from the core through
// whichever door the page was opened by (doors.js). Everything from the database is set
// as text (textContent), never as markup; charts arrive as SVG and are shown as images.
//
// This module wires the frame: the settings (fetched once), the state as it arrives, page
// switching, wall rotation and the keys. Only the page on show is rendered on each state
// message (and when it comes on show), in place, so what a person opened or focused stays.
// Alerts (alerts.js) are around every page: the banner, the flashing tile, the chime, and
// the wall holding the page of a firing alert.

import { $, el, put } from "./dom.js";
import { fetchSettings, follow, makeReport, setWall } from "./doors.js";
import { formatter } from "./format.js";
import { I18N, figureName, pickLang } from "./i18n.js";
import { loadCharts } from "./charts.js";
import * as alerts from "./alerts.js";
import { prepare as prepareChime } from "./chime.js";
import * as desk from "./desk.js";
import * as overview from "./page-overview.js";
import * as response from "./page-response.js";
import * as diversion from "./page-diversion.js";
import * as repeat from "./page-repeat.js";
import * as seats from "./page-seats.js";
import * as alertsPage from "./page-alerts.js";

const PAGES = { overview, response, diversion, repeat, seats, alerts: alertsPage };
const ORDER = Object.keys(PAGES);
// The wall rotates through these; the alerts page is the desk's.
const WALL = ["overview", "response", "diversion", "repeat", "seats"];
const isPage = (name) => ORDER.includes(name);
// Before the settings arrive there is no server to take a retry period from.
const SETTINGS_RETRY_MS = 3000;

const params = new URLSearchParams(location.search);
const pinned = params.has("page");

const ui = {
  lang: pickLang(params.get("lang") || localStorage.getItem("lang")),
  wall: params.has("wall"),
  page: isPage(params.get("page")) ? params.get("page") : "overview",
  settings: null, // the server's settings, once fetched
  state: null, // the last state received
  received: 0, // when it arrived (this machine's clock)
  failure: null, // {kind: "token"|"lost"} while the door fails
  old: false, // whether the banner shows the state as too old
};

/**
 * How old the state's figures are (ms): how long before it was sent the loop last looked
 * (`sent_at − checked_at`, both on the server's clock), plus how long ago it arrived (on
 * ours). Neither clock is compared with the other, so a wall controller whose clock is off
 * still judges the age right.
 */
function stateAge(s, now = Date.now()) {
  const sent = Number.isFinite(s.sent_at) ? s.sent_at : ui.received;
  return Math.max(0, sent - s.checked_at) + (now - ui.received);
}

/**
 * A state with figures that is older than the stale period: its loop stopped (a door keeps
 * handing out the last state it had), so the figures must not look fresh.
 */
const tooOld = () => !!(ui.settings && ui.state && ui.state.pages && stateAge(ui.state) > ui.settings.stale_after_ms);

/** What a page renders from; null until there are settings and pages to show. */
function view() {
  const { lang, wall, settings, state } = ui;
  if (!settings || !state || !state.pages) return null;
  return { lang, wall, settings, state, pages: state.pages, tr: I18N[lang], f: formatter(ui), desk: desk.deskAnswer() };
}

const section = (name) => document.querySelector(`.page[data-page="${name}"]`);

// ---------- rendering ----------

/** The words that change only with the language (and the figure names with the settings). */
function applyLanguage() {
  const tr = I18N[ui.lang];
  document.documentElement.lang = ui.lang;
  document.querySelectorAll("[data-i18n]").forEach((e) => { e.textContent = tr[e.dataset.i18n]; });
  document.querySelectorAll("[data-figure]").forEach((e) => {
    e.textContent = ui.settings ? figureName(ui.settings, ui.lang, e.dataset.figure) : "";
  });
  $("lang").textContent = tr.switch;
}

function banner() {
  const tr = I18N[ui.lang];
  const { failure, state } = ui;
  if (failure && failure.kind === "token") return ["error", tr.bad_token];
  if (failure) return ["stale", tr.lost];
  const f = formatter(ui);
  if (state && state.stale) {
    const { code, reason } = state.stale;
    const since = f.time(state.stale.since, true);
    const say = {
      feed_silent: () => tr.stale(since),
      engine_failed: () => tr.engine_failed(since, reason),
      db_deleted: () => tr.db_deleted(since),
      db_replaced: () => tr.db_replaced(since),
    }[code];
    return ["stale", say ? say() : tr.unreachable(since, reason)];
  }
  if (ui.old) return ["stale", tr.stale(f.time(state.checked_at, true))];
  if (!ui.settings || !state || !state.pages) return ["loading", tr.loading];
  return ["", ""];
}

/** Everything around the pages: mode, which page is up, the banner, header and footer. */
function renderFrame() {
  const tr = I18N[ui.lang];
  const body = document.body;
  if (ui.wall && !WALL.includes(ui.page)) ui.page = WALL[0];
  body.classList.toggle("wall", ui.wall);
  body.dataset.page = ui.page;
  $("mode").textContent = ui.wall ? tr.to_desk : tr.to_wall;
  $("page-title").textContent = tr[`p_${ui.page}`];
  document.querySelectorAll(".page").forEach((s) => { s.hidden = s.dataset.page !== ui.page; });
  document.querySelectorAll("[data-goto]").forEach((b) => b.classList.toggle("on", b.dataset.goto === ui.page));
  $("dots").replaceChildren(...WALL.map((p) => el("span", p === ui.page ? "on" : "", "●")));
  // Filters answer the overview's tiles only; the chart and the other pages stay live.
  body.classList.toggle("filtered", !!desk.deskAnswer());

  ui.old = tooOld();
  const [kind, text] = banner();
  const b = $("banner");
  b.hidden = !kind;
  b.dataset.kind = kind;
  b.dataset.code = kind === "stale" ? (ui.failure ? "lost" : ui.state.stale ? ui.state.stale.code : "state_old") : "";
  b.textContent = text;
  body.classList.toggle("stale", kind === "stale" || kind === "error");
  renderNotice();

  const s = ui.state;
  // The alerts' banner needs the figure names (settings) and the zone names (pages).
  const v = view();
  alerts.renderBanner(v);
  if (!s) return;
  const f = formatter(ui);
  $("centre").textContent = s.centre;
  $("as_of").textContent = s.as_of ? f.time(s.as_of) : "--:--:--";
  $("last_call").textContent = s.last_call ? tr.last_call(f.time(s.last_call)) : "";
  $("import_status").textContent = importStatus(s, tr, f);
}

/** The last import and the folder watch: a watch that has not looked for 15 s has stopped. */
function importStatus(s, tr, f) {
  const im = s.imports;
  if (!im) return "";
  const parts = [];
  if (im.last) parts.push(tr.last_import(im.last.file, f.time(im.last.at), im.last.rows_stored, im.last.rows_rejected));
  const w = im.watch;
  if (w) {
    if (s.checked_at - w.polled > 15000) parts.push(tr.watch_stopped(f.time(w.polled)));
    else if (w.error) parts.push(tr.watch_error(w.error));
    else parts.push(tr.watching);
  }
  return parts.join(" · ");
}

/** A data-quality notice beside the figures (they stay fresh): records dated ahead. */
function renderNotice() {
  const n = $("notice");
  const ahead = ui.state && ui.state.ahead;
  n.hidden = !ahead;
  if (!ahead) return;
  const f = formatter(ui);
  put(n, I18N[ui.lang].ahead(ahead.records, f.time(ahead.furthest, "short"), f.secs(ahead.tolerance_s)));
}

/** The page on show, and nothing else: the others render when they come on show. */
function renderPage() {
  const v = view();
  if (!v) return;
  desk.fillOptions(v);
  desk.renderNote(v, ui.page === "overview");
  PAGES[ui.page].render(v);
  loadCharts(section(ui.page), v.state, v.lang);
  alerts.mark(v.state);
  // Mark which figures are on screen, so a reader (or a test) can match them to the API;
  // a filtered overview shows the desk's answer, not this state's.
  document.body.dataset.seq = v.desk && ui.page === "overview" ? "" : String(v.state.seq);
  // The first real render: a wall, no longer a loading screen.
  document.body.dataset.ready = "1";
}

function render() {
  renderFrame();
  renderPage();
}

function show(next) {
  ui.page = next;
  render();
}

// ---------- the state ----------

function receive(s) {
  ui.state = s;
  ui.received = Date.now();
  ui.failure = null;
  repeat.refresh(s, () => { if (ui.page === "repeat") renderPage(); });
  alerts.chime(s);
  holdForAlerts();
  render();
}

/**
 * A firing alert takes the wall to its page at once (rotation then holds it there; see
 * `rotate`); true while it does. A wall pinned to a page (?page=) stays on it.
 */
function holdForAlerts() {
  const held = ui.wall && !pinned ? alerts.wallPage(ui.state, ui.page, WALL) : null;
  if (held) ui.page = held;
  return !!held;
}

function fail(e) {
  ui.failure = e && e.kind === "token" ? { kind: "token" } : { kind: "lost" };
  renderFrame();
}

// ---------- the wall ----------

/**
 * The wall rotates through its pages, each for its own time; `?rotate=overview:40,…`.
 * While a firing alert is on the wall it shows that alert's page (the most severe's) and
 * stays there until it is acknowledged or silenced; then rotation resumes.
 */
function rotate(dwellDefaults) {
  const dwell = { ...dwellDefaults };
  for (const part of (params.get("rotate") || "").split(",")) {
    const [p, s] = part.split(":");
    if (WALL.includes(p) && Number(s) > 0) dwell[p] = Number(s);
  }
  let since = Date.now();
  setInterval(() => {
    if (!ui.wall || pinned) { since = Date.now(); return; }
    const was = ui.page;
    if (holdForAlerts()) {
      since = Date.now();
      if (ui.page !== was) render();
      return;
    }
    if (Date.now() - since >= (dwell[ui.page] || 20) * 1000) {
      since = Date.now();
      show(WALL[(WALL.indexOf(ui.page) + 1) % WALL.length]);
    }
  }, 500);
}

// ---------- wiring ----------

function wire() {
  document.querySelectorAll("[data-goto]").forEach((b) => b.addEventListener("click", () => show(b.dataset.goto)));
  $("lang").addEventListener("click", () => {
    ui.lang = ui.lang === "zh-CN" ? "en" : "zh-CN";
    localStorage.setItem("lang", ui.lang);
    applyLanguage();
    render();
  });
  $("mode").addEventListener("click", () => {
    ui.wall = !ui.wall;
    setWall(ui.wall);
    holdForAlerts();
    render();
  });
  $("report").addEventListener("click", async () => {
    const button = $("report");
    const tr = I18N[ui.lang];
    const note = $("report-note");
    button.disabled = true;
    note.classList.remove("bad");
    note.textContent = tr.report_busy;
    try {
      note.textContent = tr.report_saved(await makeReport("pdf", ui.lang === "en" ? "en" : "zh"));
    } catch (e) {
      note.classList.add("bad");
      note.textContent = `⚠ ${tr.report_failed}: ${e.message || e}`;
    } finally {
      button.disabled = false;
    }
  });
  desk.init({ changed: render });
  response.init();
  repeat.init();
  alertsPage.init({ changed: render });
  alerts.init(() => show("alerts"));
  // Keys for the desk: 1–6 pick a page (the wall's five on the wall), W toggles the wall.
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("form, dialog")) return;
    const n = Number(e.key);
    const pages = ui.wall ? WALL : ORDER;
    if (n >= 1 && n <= pages.length) show(pages[n - 1]);
    if (e.key === "w" || e.key === "W") $("mode").click();
  });
  // The clock shows the centre's time, once the settings or a state have said which zone.
  // A state that stops coming (its loop died) turns stale with the clock, message or not.
  setInterval(() => {
    $("clock").textContent = formatter(ui).time(Date.now());
    if (tooOld() !== ui.old) renderFrame();
  }, 1000);
}

/** The settings first (once; again after a while if the server cannot be reached). */
function start() {
  fetchSettings().then((s) => {
    ui.settings = s;
    ui.failure = null;
    applyLanguage();
    desk.refreshEvery(s.desk_refresh_s);
    rotate(s.dwell_s);
    follow(s, receive, fail);
    render();
  }, (e) => {
    fail(e);
    if (!e || e.kind !== "token") setTimeout(start, SETTINGS_RETRY_MS);
  });
}

wire();
applyLanguage();
render();
// A kiosk wall has nobody to click: the chime's audio is made ready at once.
prepareChime();
start();
