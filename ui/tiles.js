// The tile grid the overview, response and diversion pages share: a short label, one big
// number, its grade in words, one line of comparison. Each figure carries its raw value
// (data-key, data-value) so a reader or a test can match it to the API.

import { $, el, keyed, put } from "./dom.js";
import { figureName } from "./i18n.js";
import { level, tone } from "./format.js";

const blank = (v) => (v === null || v === undefined ? "" : String(v));

function make(tile) {
  const node = el("section", "tile");
  node.dataset.tile = tile.key;
  const compare = el("div", "compare");
  compare.append(el("span"), el("span"));
  node.append(el("div", "label"), el("div", "value"), el("div", "grade"), compare);
  return node;
}

export function renderTiles(containerId, tiles, v) {
  const { tr, f } = v;
  keyed($(containerId), tiles, {
    key: (tile) => tile.key,
    make,
    update(node, tile) {
      put(node, undefined, `tile ${tile.grade}`);
      put(node.querySelector(".label"), figureName(v.settings, v.lang, tile.key));
      const value = node.querySelector(".value");
      const raw = blank(tile.value);
      if (value.dataset.value !== undefined && value.dataset.value !== raw) {
        // A changed number flashes once; nothing animates continuously.
        value.classList.remove("flash");
        void value.offsetWidth;
        value.classList.add("flash");
      }
      value.dataset.key = tile.key;
      value.dataset.value = raw;
      put(value, f.value(tile.unit, tile.value));
      put(node.querySelector(".grade"), tile.grade === "meets" ? tr.meets
        : tile.grade === "misses" ? `${tr.misses} · ${tr.target} ${f.value(tile.unit, tile.target)}` : "");
      const [yoy, pop] = node.querySelector(".compare").children;
      put(yoy, f.change(tr.yoy, tile.yoy), level(tile.yoy) ? "neutral" : tone(tile.yoy.good));
      put(pop, f.change(tr.pop, tile.pop), level(tile.pop) ? "neutral" : tone(tile.pop.good));
    },
  });
}
