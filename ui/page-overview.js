// Overview: the headline tiles (or the desk's filtered answer) and the hourly chart.

import { renderTiles } from "./tiles.js";

export function render(v) {
  // Filters answer the overview's tiles only; the chart and the other pages stay live.
  renderTiles("ov-tiles", v.desk ? v.desk.tiles : v.pages.overview.tiles, v);
}
