// Diversion: its tiles, the funnel and category charts, and the open work orders past
// their limit (fewer on the wall, where they must be read from afar).

import { $, put, tableRows } from "./dom.js";
import { renderTiles } from "./tiles.js";

export function render(v) {
  const { tr, f, wall } = v;
  const d = v.pages.diversion;
  const limit = wall ? v.settings.limits.overdue_wall : v.settings.limits.overdue_desk;
  const shown = d.overdue.slice(0, limit);
  // How long each is overdue, at the time the figures were checked (not the local clock).
  const now = v.state.checked_at;
  renderTiles("dv-tiles", d.tiles, v);
  put($("overdue-count"), tr.n_found(d.overdue_open, shown.length));
  tableRows("overdue", shown, (o) => o.source_id, (o) => [
    { text: o.source_id }, { text: f.name("categories", o.category) }, { text: f.name("zones", o.zone) },
    { text: o.department || "—" }, { text: f.time(o.due, "short") }, { text: f.secs((now - o.due) / 1000), cls: "bad" },
  ]);
}
