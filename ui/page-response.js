// Response: its tiles, the sign-for and arrival charts, the zones below target and the
// circle rate of every zone. Zone cells are buttons updated in place, so one a person
// focused keeps the focus while the figures change; on the desk a click drills down.

import { $, el, keyed, put, putLabel } from "./dom.js";
import { drill } from "./desk.js";
import { renderTiles } from "./tiles.js";

let last = null; // the view of the last render: a click acts on what was on screen

export function init() {
  // One listener for the grid: cells come and go, the grid stays.
  $("zone-grid").addEventListener("click", (e) => {
    const cell = e.target.closest("[data-zone]");
    if (!cell || !last || last.wall) return;
    const zone = last.pages.response.zones.find((z) => z.code === cell.dataset.zone);
    if (zone) drill(zone, last);
  });
}

function zoneCell() {
  const c = el("button", "zone");
  c.type = "button";
  c.append(el("div", "zname"), el("div", "zrate"), el("div", "zmeta"));
  return c;
}

export function render(v) {
  last = v;
  const { tr, f, wall } = v;
  const r = v.pages.response;
  renderTiles("rs-tiles", r.tiles, v);

  const grid = $("zone-grid");
  // Two rows on a 16:9 wall, one on a 32:9 strip (style.css), however many zones there are.
  grid.style.setProperty("--zones", String(r.zones.length || 1));
  grid.style.setProperty("--zone-cols", String(Math.ceil(r.zones.length / 2) || 1));
  keyed(grid, r.zones, {
    key: (z) => z.code,
    make: zoneCell,
    update(c, z) {
      c.dataset.zone = z.code;
      put(c, undefined, `zone ${z.grade}`);
      const [name, rate, meta] = c.children;
      putLabel(name, z.name);
      rate.dataset.key = `circle_rate:${z.code}`;
      rate.dataset.value = z.circle_rate === null ? "" : String(z.circle_rate);
      put(rate, f.share(z.circle_rate));
      put(meta, `${tr.circle_min(z.circle_minutes)} · ${tr.n(z.n)}`);
    },
  });

  const limit = wall ? v.settings.limits.lagging_wall : v.settings.limits.lagging_desk;
  const lagging = r.lagging.slice(0, limit);
  keyed($("lagging"), lagging.length ? lagging : [null], {
    key: (z) => (z ? z.code : ""), // "": the one "none" line
    make: (z) => {
      const li = el("li");
      if (z) li.append(el("span", "zname"), el("span", "zrate"), el("span", "zmeta"));
      return li;
    },
    update(li, z) {
      if (!z) return put(li, tr.none, "meets");
      put(li, undefined, "misses");
      const [name, rate, meta] = li.children;
      putLabel(name, z.name);
      put(rate, f.share(z.circle_rate));
      put(meta, `P90 ${f.secs(z.arrival_p90_s)} · ${tr.n(z.n)}`);
    },
  });
}
