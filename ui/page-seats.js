// Seats and units: the call-takers' seats today and which units are out on incidents.

import { $, el, keyed, put, putLabel, tableRows } from "./dom.js";

export function render(v) {
  const { tr, f } = v;
  const s = v.pages.seats;
  tableRows("seat-table", s.seats, (r) => r.code, (r) => [
    { text: r.name }, { text: f.count(r.calls) }, { text: f.count(r.answered) }, { text: f.count(r.abandoned) },
    { text: f.secs(r.answer_avg_s) }, { text: f.secs(r.answer_p90_s) },
    { text: f.share(r.answered_within_15s), cls: r.grade },
  ]);
  put($("units-busy"), tr.busy(s.units_busy, s.units.length));
  keyed($("units"), s.units, {
    key: (u) => u.code,
    make: () => {
      const c = el("div", "unit");
      c.append(el("div", "uname"), el("div", "umeta"));
      return c;
    },
    update(c, u) {
      const busy = u.open_incidents > 0;
      put(c, undefined, `unit ${busy ? "busy" : "idle"}`);
      putLabel(c.firstElementChild, u.name);
      put(c.lastElementChild, busy ? `${tr.open_n(u.open_incidents)} · ${tr.since(f.time(u.busy_since))}` : tr.idle);
    },
  });
}
