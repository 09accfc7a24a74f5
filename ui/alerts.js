// Alerts on the wall and the desk, as the server publishes them in every state
// (`state.alerts`): the banner under the header (most severe first, the level's colour and
// word, since when, who acknowledged), the tile or zone cell that holds an alert (a slow
// pulse while it fires, steady once acknowledged), the chime, and the page the wall must
// show. Which alerts are on the wall, which chime and where they belong is the server's
// call; this module only shows it.

import { $, el, put } from "./dom.js";
import { figureName } from "./i18n.js";
import { ring } from "./chime.js";
import { placeStreet } from "./page-repeat.js";

export const LEVELS = ["blue", "yellow", "orange", "red"];
const rank = (level) => LEVELS.indexOf(level);

/**
 * Rows the banner shows at once: the most severe alert, and a row that steps through the
 * rest (with "2/7") when there are more. Two rows keep the pages' charts readable at 1080p.
 */
const ROWS = 2;
const STEP_MS = 6000;
/** Chimes are at least this far apart (one tune lasts ~2 s); later ones wait. */
const CHIME_GAP_MS = 4000;

const none = { active: [], recent: [], chime_enabled: false, commanders: [] };
/** The alerts of a state (an empty set from a server that publishes none). */
export const alertsOf = (state) => (state && state.alerts) || none;

/**
 * What is on the wall now, most severe first; at one level firing before acknowledged,
 * otherwise in the server's order.
 */
export function onWall(state) {
  const list = alertsOf(state).active.filter((a) => a.on_wall);
  return list
    .map((a, i) => [a, i])
    .sort(([a, i], [b, j]) => rank(b.level) - rank(a.level)
      || (a.state === "firing" ? 0 : 1) - (b.state === "firing" ? 0 : 1) || i - j)
    .map(([a]) => a);
}

/**
 * The page the wall must show because of its alerts, or null to rotate as usual: the page
 * of the most severe firing (unacknowledged, not silenced) alert, held while such an alert
 * is on it. When several pages hold one at that level, the page on show stays.
 */
export function wallPage(state, page, pages) {
  const firing = onWall(state).filter((a) => a.state === "firing" && pages.includes(a.page));
  if (!firing.length) return null;
  const top = firing.filter((a) => a.level === firing[0].level);
  return top.some((a) => a.page === page) ? page : top[0].page;
}

// ---------- words ----------

/** hh:mm, with the date when it is not within 12 hours of now. */
export const when = (f, ms) => (ms === null || ms === undefined ? "—"
  : Math.abs(Date.now() - ms) < 12 * 3600_000 ? f.time(ms, "hm") : f.time(ms, "short"));

/**
 * An alert in words, in the page's language: `{title, value}`. On the wall a place is cut
 * to its street (visitors see the wall); the desk shows the address.
 */
export function describe(a, v) {
  const { tr, f, settings, lang, wall } = v;
  const secs = (s) => f.secs(Math.abs(s));
  const cut = a.cut || "";
  switch (a.kind) {
    case "threshold": {
      const label = settings && Object.hasOwn(settings.figures, a.figure) ? settings.figures[a.figure] : null;
      const title = figureName(settings, lang, a.figure || a.rule) + (a.zone ? ` · ${f.name("zones", a.zone)}` : "");
      return { title, value: label ? f.value(label.unit, a.value) : a.value === null ? "—" : String(a.value) };
    }
    case "baseline":
      return { title: tr.a_baseline, value: a.value === null ? "" : tr.a_calls_hour(f.count(a.value)) };
    case "repeat": {
      if (cut.startsWith("caller:")) return { title: `${tr.a_repeat_caller} ${cut.slice(7)}`, value: "" };
      if (cut.startsWith("place:")) {
        const place = cut.slice(6);
        const shown = wall ? placeStreet(place) : place;
        return { title: shown ? `${tr.a_repeat_place} ${shown}` : tr.a_repeat_place, value: "" };
      }
      return { title: tr.a_repeat, value: "" };
    }
    case "work_orders": {
      const over = a.value !== null && a.value < 0;
      return {
        title: `${over ? tr.a_order_over : tr.a_order_due} ${cut}`.trim(),
        value: a.value === null ? "" : over ? tr.a_over_by(secs(a.value)) : tr.a_left(secs(a.value)),
      };
    }
    case "waiting_calls":
      return { title: tr.a_waiting, value: a.value === null ? "" : tr.a_waiting_n(f.count(a.value)) };
    case "feed":
      return { title: tr.a_feed, value: a.value === null ? "" : tr.a_silent_for(secs(a.value)) };
    default:
      return { title: a.rule, value: a.value === null || a.value === undefined ? "" : String(a.value) };
  }
}

/** Acknowledged by whom and when; or not yet (and how often it rose a level meanwhile). */
export function ackText(a, v) {
  const { tr, f } = v;
  if (a.acknowledged) {
    const [actor, at] = a.acknowledged;
    return tr.a_acked(actor.who, when(f, at));
  }
  if (a.state === "resolved") return tr.a_resolved(when(f, a.resolved_at));
  if (a.state !== "firing") return tr.st[a.state] || a.state;
  return a.escalations ? `${tr.a_unacked} · ${tr.a_escalated(a.escalations)}` : tr.a_unacked;
}

/** The level as a chip: its colour and its word (never the colour alone). */
export function chip(node, level, tr) {
  node.dataset.level = level;
  node.title = tr.lv_word[level] || "";
  put(node, tr.lv[level] || level, "al-chip");
}

// ---------- the banner ----------

let step = 0; // which of the alerts beyond the first rows the stepping row shows
let stepper = null;
let lastView = null;

function bannerRow() {
  const row = el("div", "al-row");
  row.append(el("span", "al-chip"), el("span", "al-title"), el("span", "al-value"), el("span", "al-since"),
    el("span", "al-ack"), el("span", "al-slot"));
  return row;
}

/** The banner: on-wall alerts, most severe first; nothing (and no room taken) without any. */
export function renderBanner(v) {
  lastView = v;
  const box = $("alerts");
  const list = v ? onWall(v.state) : [];
  // The desk's nav counts every active alert, in the most severe one's colour.
  const active = v ? alertsOf(v.state).active : [];
  const nav = $("nav-alerts");
  put(nav, active.length ? String(active.length) : "");
  const top = active.reduce((m, a) => (m === null || rank(a.level) > rank(m) ? a.level : m), null);
  if (top) nav.dataset.level = top;
  else delete nav.dataset.level;
  box.hidden = !list.length;
  document.body.dataset.alerts = String(list.length);
  if (!list.length) {
    $("al-rows").replaceChildren();
    return;
  }
  const { tr } = v;
  // The first rows are the most severe; the last one steps through the rest.
  const rest = list.length - (ROWS - 1);
  const stepping = list.length > ROWS;
  const shown = stepping ? [...list.slice(0, ROWS - 1), list[ROWS - 1 + (step % rest)]] : list;
  const rows = $("al-rows");
  while (rows.children.length > shown.length) rows.lastElementChild.remove();
  while (rows.children.length < shown.length) rows.append(bannerRow());
  shown.forEach((a, i) => {
    const row = rows.children[i];
    row.dataset.id = String(a.id);
    row.dataset.level = a.level;
    row.dataset.state = a.state;
    const [c, title, value, since, ack, slot] = row.children;
    const d = describe(a, v);
    chip(c, a.level, tr);
    put(title, d.title);
    put(value, d.value);
    put(since, tr.a_since(when(v.f, a.fired_at ?? a.since)));
    put(ack, ackText(a, v));
    put(slot, stepping && i === ROWS - 1 ? tr.a_slot(ROWS + (step % rest), list.length) : "");
  });
  // The count per level, most severe first, when there are more than the rows show.
  const sum = $("al-sum");
  sum.hidden = !stepping;
  const counts = LEVELS.slice().reverse().map((l) => [l, list.filter((a) => a.level === l).length]).filter(([, n]) => n);
  const parts = counts.map(([l, n]) => {
    const p = el("div", "al-count");
    const c = el("span");
    chip(c, l, tr);
    put(c, tr.lv_short[l]);
    p.append(c, el("span", "", ` ${n}`));
    return p;
  });
  if (sum.textContent !== parts.map((p) => p.textContent).join("")) sum.replaceChildren(...parts);

  if (stepping && !stepper) {
    stepper = setInterval(() => { step += 1; renderBanner(lastView); }, STEP_MS);
  } else if (!stepping && stepper) {
    clearInterval(stepper);
    stepper = null;
    step = 0;
  }
}

/** The banner on the desk leads to the alerts page. */
export function init(goAlerts) {
  $("alerts").addEventListener("click", () => {
    if (!document.body.classList.contains("wall")) goAlerts();
  });
}

// ---------- tiles and zone cells ----------

const attr = (node, name, value) => {
  if (value === null) {
    if (node.hasAttribute(name)) node.removeAttribute(name);
  } else if (node.getAttribute(name) !== value) node.setAttribute(name, value);
};

/**
 * Marks the tile (by its figure) or zone cell that holds an on-wall alert with the level
 * (data-alert) and, while one fires, data-alert-firing (the slow pulse); clears the rest.
 */
export function mark(state) {
  const targets = new Map();
  for (const a of onWall(state)) {
    const key = a.zone ? `zone:${a.zone}` : a.figure ? `tile:${a.figure}` : null;
    if (!key) continue;
    const t = targets.get(key) || { level: a.level, firing: false };
    if (rank(a.level) > rank(t.level)) t.level = a.level;
    t.firing = t.firing || a.state === "firing";
    targets.set(key, t);
  }
  for (const n of document.querySelectorAll(".tile[data-tile], .zone[data-zone]")) {
    const t = targets.get(n.dataset.tile ? `tile:${n.dataset.tile}` : `zone:${n.dataset.zone}`);
    attr(n, "data-alert", t ? t.level : null);
    attr(n, "data-alert-firing", t && t.firing ? "" : null);
  }
}

// ---------- the chime ----------

const rung = new Map(); // alert id → the chimed_at it last rang for, while it chimes
let lastRing = 0;
let waiting = null; // the level of a chime held back by CHIME_GAP_MS
let waitTimer = null;

function sound(level) {
  const wait = lastRing + CHIME_GAP_MS - Date.now();
  if (wait > 0) {
    if (!waiting || rank(level) > rank(waiting)) waiting = level;
    if (!waitTimer) {
      waitTimer = setTimeout(() => {
        waitTimer = null;
        const l = waiting;
        waiting = null;
        sound(l);
      }, wait);
    }
    return;
  }
  lastRing = Date.now();
  ring(level);
}

/**
 * Rings when an alert starts chiming (the server says `chime`: firing, orange or red, not
 * silenced, chime enabled) and again when its `chimed_at` changes (it escalated); once per
 * state however many started, in the loudest one's tune. Silent when the centre turned
 * the chime off.
 */
export function chime(state) {
  const alerts = alertsOf(state);
  let loudest = null;
  const now = new Set();
  for (const a of alerts.active) {
    if (!a.chime) continue;
    now.add(a.id);
    const at = a.chimed_at ?? a.fired_at ?? a.since;
    if (rung.get(a.id) === at) continue;
    rung.set(a.id, at);
    if (!loudest || rank(a.level) > rank(loudest.level)) loudest = a;
  }
  // An alert that stops chiming (acknowledged, silenced) rings again if it starts again.
  for (const id of [...rung.keys()]) if (!now.has(id)) rung.delete(id);
  if (loudest && alerts.chime_enabled) sound(loudest.level);
}
