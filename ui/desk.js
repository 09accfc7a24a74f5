// The desk: filters that ask the core for any window and cut (they answer the overview's
// tiles), refreshed every `desk_refresh_s`, and the drill-down from a zone to its
// incidents. Neither exists on the wall.

import { $, el, fillRow, keyed, put } from "./dom.js";
import { fetchDesk, fetchIncidents } from "./doors.js";

let query = null; // the filter set, or null for the live figures
let answer = null; // the core's answer to it
let error = null; // why the last answer failed
let filledFor = null; // the language the filter options are in
let ctx = null;

/** The filtered overview tiles' source, or null when no filter is set. */
export const deskAnswer = () => answer;

/** Wires the filter bar and the drill-down; `c.changed()` renders the page again. */
export function init(c) {
  ctx = c;
  const form = $("filters");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = currentQuery();
    // Today, whole centre: that is the live figures, not a question.
    const plain = Object.keys(q).length === 1 && q.period === "day";
    query = plain ? null : q;
    run();
  });
  $("f-reset").addEventListener("click", () => { form.reset(); query = null; run(); });
  $("drill-close").addEventListener("click", () => { $("drill").hidden = true; });
}

/** Asks again every `seconds`, so a filtered overview stays current. */
export function refreshEvery(seconds) {
  setInterval(() => { if (query) run(); }, seconds * 1000);
}

async function run() {
  if (!query) {
    answer = null;
    error = null;
  } else {
    const asked = query;
    try {
      const a = await fetchDesk(asked);
      if (query !== asked) return; // the filter changed meanwhile
      answer = a;
      error = null;
    } catch (e) {
      if (query !== asked) return;
      error = (e && e.message) || String(e);
    }
  }
  ctx.changed();
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

/** The filter in words, as the form shows it now (in the page's language). */
function describe(q) {
  const f = $("filters");
  const chosen = (sel) => sel.options[sel.selectedIndex].textContent;
  const parts = [q.from ? `${q.from} – ${q.to}` : chosen(f.period)];
  for (const k of ["zone", "category", "channel"]) if (q[k]) parts.push(chosen(f[k]));
  return parts.join(" · ");
}

/** The note under the bar: what the overview is filtered by, or why the question failed. */
export function renderNote(v, onOverview) {
  const note = $("filter-note");
  note.hidden = !query || !onOverview || !(answer || error);
  if (note.hidden) return;
  note.classList.toggle("bad", !!error);
  put(note, error ? `⚠ ${error}` : v.tr.filtered(describe(query), v.settings.desk_refresh_s));
}

/** The zone, category and channel choices, in the page's language; the choice is kept. */
export function fillOptions(v) {
  if (filledFor === v.lang) return;
  filledFor = v.lang;
  const f = $("filters");
  const names = v.pages.names;
  const fill = (sel, list) => {
    const chosen = sel.value;
    const all = el("option", "", v.tr.all);
    all.value = "";
    sel.replaceChildren(all, ...list.map((l) => {
      const o = el("option", "", v.lang === "zh-CN" ? l.zh : l.en);
      o.value = l.code;
      return o;
    }));
    sel.value = chosen;
  };
  fill(f.zone, names.zones);
  fill(f.category, names.categories);
  fill(f.channel, names.channels);
}

/** Opens the drill-down: the zone's incidents in the filter's window (today without). */
export async function drill(zone, v) {
  const { tr, f } = v;
  const q = query ? { ...query } : { period: "day" };
  put($("drill-title"), tr.drill(zone.name));
  $("drill").hidden = false;
  const body = $("drill-table").tBodies[0];
  const span = $("drill-table").tHead.rows[0].cells.length;
  try {
    const list = await fetchIncidents(zone.code, q);
    keyed(body, list, {
      key: (i) => i.source_id,
      make: () => el("tr"),
      update: (row, i) => fillRow(row, [
        { text: i.source_id, cls: "mono" }, { text: f.name("categories", i.category) },
        { text: i.priority === null ? "—" : String(i.priority) }, { text: i.unit || "—" },
        { text: f.time(i.created, true) }, { text: f.secs(i.sign_for_s) }, { text: f.secs(i.arrival_s) },
        { text: i.within_circle === null ? "—" : i.within_circle ? tr.yes : tr.no,
          cls: i.within_circle === null ? "" : i.within_circle ? "meets" : "misses" },
      ]),
    });
  } catch (e) {
    const td = el("td", "bad", `⚠ ${(e && e.message) || e}`);
    td.colSpan = span;
    const row = el("tr");
    row.append(td);
    body.replaceChildren(row);
  }
}
