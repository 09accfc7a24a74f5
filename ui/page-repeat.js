// Repeat calls: one caller, many reports; one place, many reports. The lists come from a
// screening every few minutes and are the largest, so they are fetched on their own, only
// when a new screening is out. On the desk a row opens its history; an open row stays
// open across updates (rows are kept by key, not rebuilt).

import { $, el, fillRow, keyed, put, uniqueKeys } from "./dom.js";
import { fetchRepeat } from "./doors.js";

let screening = null; // the last repeat page fetched
let asked = null; // the screening time it was asked for
let last = null; // the view of the last render
const open = { callers: new Set(), places: new Set() }; // row keys whose history is shown

/** Fetches the lists when the state says a new screening is out; `then()` after. */
export function refresh(state, then) {
  const at = state.pages && state.pages.repeat_screened_at;
  if (!at || asked === at) return;
  asked = at;
  fetchRepeat().then((r) => { screening = r; then(); }, () => { asked = null; });
}

/**
 * A place's street as the last screening cut it (the wall shows no more of an address),
 * or null when the place is not in it.
 */
export function placeStreet(who) {
  const p = screening ? screening.places.find((x) => x.who === who) : null;
  return p ? p.street : null;
}

export function init() {
  for (const table of ["callers", "places"]) {
    const body = $(table).tBodies[0];
    const toggle = (e) => {
      const row = e.target.closest("tr.clickable");
      if (!row || !last || last.wall) return;
      const k = row.dataset.item.slice(2); // "r:" + the row's key
      if (!open[table].delete(k)) open[table].add(k);
      render(last);
    };
    body.addEventListener("click", toggle);
    // Rows take the keyboard focus on the desk: Enter or Space opens them too.
    body.addEventListener("keydown", (e) => {
      if (e.key !== "Enter" && e.key !== " ") return;
      e.preventDefault();
      toggle(e);
    });
  }
}

function history(f, v) {
  const lines = f.history.map((h) =>
    `${v.f.time(h.received, true)}  ${v.f.name("categories", h.category)}  ${h.incident_id || ""}`);
  return `${v.tr.history}\n${lines.join("\n")}`;
}

/** A list's rows, each followed by its history when it is open (never on the wall). */
function listRows(table, items, cells, v) {
  const keys = uniqueKeys(items, (f) => f.who);
  const shown = [];
  items.forEach((f, i) => {
    shown.push({ key: `r:${keys[i]}`, f, row: true });
    if (!v.wall && open[table].has(keys[i])) shown.push({ key: `h:${keys[i]}`, f });
  });
  const span = $(table).tHead.rows[0].cells.length;
  keyed($(table).tBodies[0], shown, {
    key: (it) => it.key,
    make: (it) => {
      if (it.row) return el("tr");
      const tr = el("tr", "history");
      const td = el("td");
      td.colSpan = span;
      tr.append(td);
      return tr;
    },
    update(tr, it) {
      if (!it.row) return put(tr.cells[0], history(it.f, v));
      fillRow(tr, cells(it.f));
      tr.classList.toggle("clickable", !v.wall);
      if (v.wall) {
        tr.removeAttribute("tabindex");
        tr.removeAttribute("aria-expanded");
      } else {
        tr.tabIndex = 0;
        tr.setAttribute("aria-expanded", String(open[table].has(it.key.slice(2))));
      }
    },
  });
}

export function render(v) {
  last = v;
  const { tr, f, wall } = v;
  const r = screening;
  if (!r) {
    put($("repeat-note"), tr.not_screened);
    return;
  }
  put($("repeat-note"), tr.screened(f.time(r.screened_at, true), v.settings.repeat));
  const limit = wall ? v.settings.limits.repeat_wall : v.settings.limits.repeat_desk;
  const callers = r.callers.slice(0, limit);
  const places = r.places.slice(0, limit);
  put($("callers-count"), tr.n_found(r.callers_found, callers.length));
  put($("places-count"), tr.n_found(r.places_found, places.length));
  listRows("callers", callers, (c) => [
    { text: c.who, cls: "mono" }, { text: f.name("categories", c.category) }, { text: f.name("zones", c.zone) },
    { text: String(c.week) }, { text: String(c.month) }, { text: String(c.year) }, { text: f.time(c.last, "short") },
  ], v);
  // Visitors see the wall: places are cut to the street there; the desk sees the address.
  listRows("places", places, (p) => [
    { text: wall ? p.street : p.who }, { text: f.name("categories", p.category) },
    { text: String(p.week) }, { text: String(p.month) }, { text: String(p.year) }, { text: f.time(p.last, "short") },
  ], v);
}
