// Charts arrive as SVG text and are shown as images (data: URLs), never as markup. Each is
// fetched only when its digest in the state changed (or the language did), and only for
// the page on show.

import { el } from "./dom.js";
import { fetchChart } from "./doors.js";

/** Loads the charts inside `section` (a page) whose image is not the state's latest. */
export function loadCharts(section, state, lang) {
  if (!state.charts) return;
  for (const box of section.querySelectorAll("[data-chart]")) {
    const key = `${box.dataset.chart}.${lang}`;
    const digest = state.charts[key];
    // What the box shows or has asked for, e.g. "hourly.zh-CN@3f2a…".
    const want = `${key}@${digest}`;
    if (!digest || box.dataset.want === want) continue;
    box.dataset.want = want;
    fetchChart(key).then((svg) => {
      if (box.dataset.want !== want) return; // a newer one was asked for meanwhile
      let img = box.querySelector("img");
      if (!img) {
        img = el("img");
        img.alt = "";
        box.replaceChildren(img);
      }
      img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
      img.dataset.digest = digest;
    }, () => {
      if (box.dataset.want === want) delete box.dataset.want; // asked again next time
    });
  }
}
