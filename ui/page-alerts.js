// Alerts on the desk (a page of its own, never on the wall): the active alerts, each with
// acknowledge and silence; the recently resolved; and the audit of a day, filtered by
// level, rule and who. Acknowledging or silencing asks for the commander (their name in
// the window, their own token in a browser) and a comment, then confirms; the server's
// refusal is shown in the dialog with its message. A browser keeps the commander's token
// for the session only (sessionStorage), and sends it only as a header.

import { $, el, keyed, put } from "./dom.js";
import { alertAction, fetchAlertHistory, inWindow } from "./doors.js";
import { LEVELS, ackText, alertsOf, chip, describe, when } from "./alerts.js";

const TOKEN_KEY = "commandwall.commander";
const DONE_MS = 8000;

let ctx = null;
let last = null; // the view of the last render: actions act on what was on screen
let history = null; // {day, events} as last loaded
let historyError = null;
let loading = null; // the day being loaded
let optionsFor = ""; // what the history's choices were filled from
let dialogFor = null; // {action, id} while the dialog is open
let done = null; // {text, until}: what the last action did

const timeZone = (v) => v.state.time_zone || v.settings.time_zone;

/** "YYYY-MM-DD" of `ms` in the centre's zone. */
function dayOf(ms, tz) {
  const p = Object.fromEntries(new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(ms).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}

/** How far the centre's zone is ahead of UTC at `ms`. */
function offset(ms, tz) {
  const p = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
    timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(ms).map((x) => [x.type, Number(x.value)]));
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/** The first millisecond of a local day in the centre's zone (twice: a DST change). */
function dayStart(day, tz) {
  const [y, m, d] = day.split("-").map(Number);
  const naive = Date.UTC(y, m - 1, d);
  const first = naive - offset(naive, tz);
  return naive - offset(first, tz);
}

function nextDay(day) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

// ---------- wiring ----------

export function init(c) {
  ctx = c;
  for (const id of ["al-active", "al-recent"]) {
    $(id).tBodies[0].addEventListener("click", (e) => {
      const b = e.target.closest("button[data-act]");
      if (b && last && !last.wall) openDialog(b.dataset.act, Number(b.closest("tr").dataset.id));
    });
  }
  const filters = $("al-filters");
  filters.addEventListener("submit", (e) => {
    e.preventDefault();
    if (filters.day.value) load(filters.day.value);
  });
  filters.day.addEventListener("change", () => { if (filters.day.value) load(filters.day.value); });
  for (const k of ["level", "rule", "who"]) filters[k].addEventListener("change", () => last && renderHistory(last));
  $("al-form").addEventListener("submit", submit);
  $("al-d-cancel").addEventListener("click", () => $("al-dialog").close());
  $("al-dialog").addEventListener("close", () => { dialogFor = null; });
}

async function load(day) {
  if (!last) return;
  const tz = timeZone(last);
  loading = day;
  historyError = null;
  renderHistory(last);
  try {
    const events = await fetchAlertHistory(dayStart(day, tz), dayStart(nextDay(day), tz));
    if (loading !== day) return; // another day was asked for meanwhile
    history = { day, events: Array.isArray(events) ? events : [] };
  } catch (e) {
    if (loading !== day) return;
    historyError = (e && e.message) || String(e);
  }
  loading = null;
  if (last) renderHistory(last);
}

// ---------- the lists ----------

function alertRow(actions) {
  const row = el("tr");
  const level = el("td");
  level.append(el("span", "al-chip"));
  const what = el("td", "al-what");
  what.append(el("div", "al-title"), el("div", "al-detail"));
  row.append(level, what, el("td", "al-value"), el("td"), el("td", "al-state"));
  if (actions) {
    const td = el("td", "al-actions");
    for (const act of ["ack", "silence"]) {
      const b = el("button");
      b.type = "button";
      b.dataset.act = act;
      td.append(b);
    }
    row.append(td);
  }
  return row;
}

function fillAlert(row, a, v) {
  const { tr, f } = v;
  row.dataset.id = String(a.id);
  row.dataset.level = a.level;
  row.dataset.state = a.state;
  const [level, what, value, since, state, actions] = row.cells;
  chip(level.firstElementChild, a.level, tr);
  const d = describe(a, v);
  put(what.firstElementChild, `#${a.id} ${d.title}`);
  put(what.lastElementChild, a.detail);
  put(value, d.value || "—");
  put(since, when(f, a.fired_at ?? a.since));
  const silenced = a.silenced_until && a.silenced_until > Date.now();
  put(state, [ackText(a, v), silenced ? tr.a_silenced(when(f, a.silenced_until)) : ""].filter(Boolean).join(" · "),
    `al-state ${a.state}${silenced ? " silenced" : ""}`);
  if (actions) {
    const [ack, sil] = actions.children;
    put(ack, tr.ack);
    put(sil, tr.silence);
    ack.hidden = a.state !== "firing";
    sil.hidden = a.state !== "firing" && a.state !== "acknowledged";
  }
}

export function render(v) {
  last = v;
  const { tr } = v;
  const alerts = alertsOf(v.state);
  put($("al-count"), alerts.active.length ? tr.a_total(alerts.active.length) : tr.no_alerts);
  keyed($("al-active").tBodies[0], alerts.active, {
    key: (a) => a.id,
    make: () => alertRow(true),
    update: (row, a) => fillAlert(row, a, v),
  });
  put($("al-recent-count"), alerts.recent.length ? String(alerts.recent.length) : tr.none);
  $("al-recent").hidden = !alerts.recent.length;
  keyed($("al-recent").tBodies[0], alerts.recent, {
    key: (a) => a.id,
    make: () => alertRow(false),
    update: (row, a) => fillAlert(row, a, v),
  });
  const note = $("al-done");
  note.hidden = !done || Date.now() > done.until;
  if (!note.hidden) put(note, done.text);

  const filters = $("al-filters");
  if (!filters.day.value) filters.day.value = dayOf(Date.now(), timeZone(v));
  if (!history && !loading && !historyError) load(filters.day.value);
  renderHistory(v);
  if (dialogFor) fillDialogAlert(v);
}

/** Fills a select with "all" and `choices` ([value, text]), keeping what was chosen. */
function fill(sel, choices, tr) {
  const chosen = sel.value;
  const all = el("option", "", tr.all);
  all.value = "";
  sel.replaceChildren(all, ...choices.map(([value, text]) => {
    const o = el("option", "", text);
    o.value = value;
    return o;
  }));
  sel.value = choices.some(([value]) => value === chosen) ? chosen : "";
}

function renderHistory(v) {
  const { tr, f } = v;
  const form = $("al-filters");
  const events = history ? history.events : [];
  const alerts = alertsOf(v.state);
  // The choices: the levels, and the rules and people the day's audit (and the wall) name.
  const rules = [...new Set([...events.map((e) => e.rule), ...alerts.active.map((a) => a.rule)])].sort();
  const people = [...new Set([...alerts.commanders, ...events.filter((e) => e.actor).map((e) => e.actor.who)])];
  const key = JSON.stringify([v.lang, rules, people]);
  if (key !== optionsFor) {
    optionsFor = key;
    fill(form.level, LEVELS.slice().reverse().map((l) => [l, tr.lv[l]]), tr);
    fill(form.rule, rules.map((r) => [r, r]), tr);
    fill(form.who, people.map((p) => [p, p]), tr);
  }
  const { level, rule, who } = { level: form.level.value, rule: form.rule.value, who: form.who.value };
  const shown = events
    .filter((e) => (!level || e.level === level) && (!rule || e.rule === rule) && (!who || (e.actor && e.actor.who === who)))
    .slice()
    .reverse(); // newest first
  put($("al-h-count"), historyError ? `⚠ ${historyError}` : loading ? tr.loading_history
    : history ? `${history.day} · ${tr.n_events(shown.length, events.length)}` : "", historyError ? "count bad" : "count");
  keyed($("al-history").tBodies[0], shown, {
    key: (e) => `${e.alert}:${e.kind}:${e.at}`,
    make: () => {
      const row = el("tr");
      const level = el("td");
      level.append(el("span", "al-chip"));
      row.append(el("td"), el("td"), level, el("td"), el("td", "al-detail"), el("td"), el("td", "al-comment"), el("td"));
      return row;
    },
    update(row, e) {
      const c = row.cells;
      put(c[0], f.time(e.at));
      put(c[1], (tr.ev[e.kind] || e.kind) + (e.until ? ` → ${when(f, e.until)}` : ""), `ev-${e.kind}`);
      chip(c[2].firstElementChild, e.level, tr);
      put(c[3], `#${e.alert} ${e.rule}${e.cut ? ` · ${e.cut}` : ""}`);
      put(c[4], e.detail);
      put(c[5], e.actor ? e.actor.who : "");
      put(c[6], e.actor ? e.actor.comment : "");
      put(c[7], e.actor ? [tr.door[e.actor.door] || e.actor.door, e.actor.address].filter(Boolean).join(" ") : "");
    },
  });
}

// ---------- acknowledge and silence ----------

function fillDialogAlert(v) {
  const a = alertsOf(v.state).active.find((x) => x.id === dialogFor.id);
  if (!a) return;
  const box = $("al-d-alert");
  chip(box.querySelector(".al-chip"), a.level, v.tr);
  box.dataset.level = a.level;
  const d = describe(a, v);
  put(box.querySelector(".al-d-what"), [d.title, d.value, v.tr.a_since(when(v.f, a.fired_at ?? a.since))].filter(Boolean).join(" · "));
  put(box.querySelector(".al-d-detail"), a.detail);
}

function showError(text, cls = "al-d-error") {
  const e = $("al-d-error");
  e.hidden = !text;
  put(e, text || "", cls);
}

function openDialog(action, id) {
  const v = last;
  const a = alertsOf(v.state).active.find((x) => x.id === id);
  if (!a) return;
  const { tr } = v;
  dialogFor = { action, id };
  const form = $("al-form");
  form.dataset.action = action;
  put($("al-d-title"), action === "ack" ? tr.d_ack(id) : tr.d_silence(id));
  fillDialogAlert(v);
  const commanders = alertsOf(v.state).commanders || [];
  // The window names the commander from the list; a browser asks for their own token.
  $("al-d-by").hidden = !inWindow || !commanders.length;
  $("al-d-none").hidden = !inWindow || commanders.length > 0;
  $("al-d-token").hidden = inWindow;
  $("al-d-token-hint").hidden = inWindow;
  $("al-d-minutes").hidden = action !== "silence";
  const pick = el("option", "", "—");
  pick.value = "";
  form.by.replaceChildren(pick, ...commanders.map((n) => {
    const o = el("option", "", n);
    o.value = n;
    return o;
  }));
  form.token.value = inWindow ? "" : sessionStorage.getItem(TOKEN_KEY) || "";
  form.comment.value = "";
  form.minutes.value = "60";
  put($("al-d-ok"), action === "ack" ? tr.d_confirm_ack : tr.d_confirm_silence);
  $("al-d-ok").disabled = inWindow && !commanders.length;
  showError("");
  $("al-dialog").showModal();
  (inWindow ? form.by : form.token.value ? form.comment : form.token).focus();
}

async function submit(e) {
  e.preventDefault();
  if (!dialogFor || !last) return;
  const { tr, f } = last;
  const { action, id } = dialogFor;
  const form = $("al-form");
  const who = inWindow ? { by: form.by.value } : { token: form.token.value.trim() };
  const comment = form.comment.value.trim();
  if (inWindow && !who.by) return showError(tr.d_need_name);
  if (!inWindow && !who.token) return showError(tr.d_need_token);
  if (!comment) return showError(tr.d_need_comment);
  const body = action === "silence" ? { comment, minutes: Number(form.minutes.value) } : { comment };
  const ok = $("al-d-ok");
  ok.disabled = true;
  showError(tr.d_sending, "al-d-error sending");
  try {
    const ev = await alertAction(action, id, body, who);
    if (!inWindow) sessionStorage.setItem(TOKEN_KEY, who.token);
    const by = (ev && ev.actor && ev.actor.who) || who.by || "";
    done = {
      text: action === "ack" ? tr.done_ack(id, by) : tr.done_silence(id, when(f, ev && ev.until)),
      until: Date.now() + DONE_MS,
    };
    $("al-dialog").close();
    // The audit has a new row: show it if today's history is on show.
    const filters = $("al-filters");
    if (history && filters.day.value === history.day) load(history.day);
    ctx.changed();
  } catch (err) {
    const bad = err && (err.code === "token" || err.status === 401);
    if (bad && !inWindow) sessionStorage.removeItem(TOKEN_KEY);
    // The server's message always; a known refusal also in the page's language.
    const message = (err && err.message) || String(err);
    const known = bad ? tr.d_bad_token : err && err.code === "read_only" ? tr.d_read_only : "";
    showError(known ? `⚠ ${known}\n${message}` : `⚠ ${message}`);
  } finally {
    ok.disabled = false;
  }
}
