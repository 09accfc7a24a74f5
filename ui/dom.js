// DOM helpers. Everything from the database goes in as text (textContent), never markup.
// Lists are updated in place, keyed, so that what a person focused or opened survives the
// next state message (about once a second).

export const $ = (id) => document.getElementById(id);

export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

/**
 * Sets text (unless `text` is undefined) and class (unless `cls` is) only where they
 * differ: an unchanged node is not touched at all.
 */
export function put(node, text, cls) {
  if (text !== undefined) {
    const t = text === null ? "" : String(text);
    if (node.textContent !== t) node.textContent = t;
  }
  if (cls !== undefined && node.className !== cls) node.className = cls;
}

/**
 * Makes `box`'s children one node per item, in order. The node already there for an item's
 * key (`key(item, index)`, kept in data-item) is kept and updated; new keys get
 * `make(item)`. Nodes no longer asked for are removed first, so that the others move only
 * when their order really changed: moving a node takes its keyboard focus away.
 */
export function keyed(box, items, { key, make, update }) {
  // Two items with one key (the same id from two sources) still get a node each.
  const keys = uniqueKeys(items, key);
  const wanted = new Set(keys);
  for (const n of [...box.children]) if (!wanted.has(n.dataset.item)) n.remove();
  const have = new Map([...box.children].map((n) => [n.dataset.item, n]));
  let at = box.firstElementChild;
  items.forEach((it, i) => {
    let n = have.get(keys[i]);
    if (!n) {
      n = make(it);
      n.dataset.item = keys[i];
    }
    update(n, it);
    if (n === at) at = at.nextElementSibling;
    else box.insertBefore(n, at);
  });
}

/** Text that CSS may cut with "…" (style.css): the whole of it shows on hover. */
const LONG = 12;

/** `put`, and the whole text as the node's title when it is long enough to be cut. */
export function putLabel(node, text, cls) {
  put(node, text, cls);
  const t = text === null || text === undefined ? "" : String(text);
  const title = t.length > LONG ? t : "";
  if (node.title !== title) node.title = title;
}

/** Fills a table row with cells `{text, cls}`, reusing the cells already there. */
export function fillRow(tr, cells) {
  while (tr.cells.length > cells.length) tr.lastElementChild.remove();
  while (tr.cells.length < cells.length) tr.append(el("td"));
  cells.forEach((c, i) => putLabel(tr.cells[i], c.text, c.cls || ""));
}

/** A table body as rows of cells, keyed (see `keyed`). */
export function tableRows(tableId, items, key, cells) {
  keyed($(tableId).tBodies[0], items, { key, make: () => el("tr"), update: (tr, it) => fillRow(tr, cells(it)) });
}

/**
 * Keys for a list whose natural key may repeat (two callers with the same masked number):
 * the nth item with key K gets "K#n", stable as long as their order is.
 */
export function uniqueKeys(items, key) {
  const seen = new Map();
  return items.map((it, i) => {
    const k = String(key(it, i));
    const n = seen.get(k) || 0;
    seen.set(k, n + 1);
    return n ? `${k}#${n}` : k;
  });
}
