// The served wall in a real browser (Debian's Chromium driven by playwright-core), against a
// real server, database and live feed: the token is enforced, the page shows the API's
// figures, a row written to the database reaches the screen within 2 s, what a person
// opened or focused survives the updates, a state that stops being renewed (a dead loop
// behind a live door) is marked stale, a silent feed raises the stale banner even with a
// row dated 20 h ahead imported (which the page names as a data-quality problem). With
// SCREENSHOT_DIR set it also saves every page at 1080p and 4K.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { bin, check, deadline, finish, must, onCleanup, oneRowCsv, run, scratch, screenshotDir, sleep, start, stop, waitFor } from "./lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = process.env.COMMANDWALL_SHARED || path.join(here, "../../../shared");
const cad = process.env.CAD || path.join(shared, "data/decc_cad_2025w35-41.csv");
const PAGES = ["overview", "response", "diversion", "repeat", "seats"];
const STALE_AFTER_S = 5;

deadline(screenshotDir ? 300_000 : 180_000, "the wall test");
const dir = scratch("wall");
const db = path.join(dir, "wall.db");
const token = crypto.randomBytes(16).toString("hex");

// ---- the city, the feed, the server -------------------------------------------------
await must(bin, ["--database", db, "simulate", "--backfill", "2d"]);
let feed = start(dir, "feed", bin, ["--database", db, "simulate", "--live"]);
const serveEnv = { ...process.env, COMMANDWALL__LIVE__STALE_AFTER_S: String(STALE_AFTER_S) };
let server = start(dir, "serve", bin, ["--database", db, "serve", "--bind", "127.0.0.1:0", "--token", token], { env: serveEnv });
// Port 0: the server prints the address it got.
const base = await waitFor("the server printed its address", () => {
  if (server.exitCode !== null) throw new Error(`serve exited: ${server.err}`);
  return server.out.match(/serving the wall on (http:\/\/[^/\s]+)\//)?.[1];
}, { timeout: 20_000 });

const state = async () => {
  const res = await fetch(`${base}/api/state`, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`/api/state: HTTP ${res.status}`);
  return res.json();
};
const shown = (v) => (v === null || v === undefined ? "" : String(v));

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
onCleanup(() => browser.close());

async function open(query, viewport = { width: 1920, height: 1080 }) {
  const ctx = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => console.log(`# page error (${query}): ${e.message}`));
  await page.goto(`${base}/?${query}`);
  return page;
}

// What the page shows: the seq of its figures, whether it has rendered a page at all (not
// a loading screen), the page, every visible figure, the banner.
const read = (page) => page.evaluate(() => {
  const b = document.getElementById("banner");
  return {
    seq: document.body.dataset.seq ?? "",
    ready: document.body.dataset.ready ?? "",
    page: document.body.dataset.page ?? "",
    stale: document.body.classList.contains("stale"),
    // Only what is on screen: the other pages' figures may be in the DOM, hidden.
    figures: [...document.querySelectorAll("[data-key][data-value]")].filter((e) => e.checkVisibility()).map((e) => ({
      key: e.dataset.key, value: e.getAttribute("data-value"), text: e.innerText.trim(),
    })),
    banner: b && { shown: !b.hidden && b.checkVisibility(), kind: b.dataset.kind ?? "", code: b.dataset.code ?? "", text: b.innerText },
    notice: (() => {
      const n = document.getElementById("notice");
      return n && !n.hidden && n.checkVisibility() ? n.innerText : "";
    })(),
  };
});
const calls = (s) => s.figures.find((f) => f.key === "calls");

// ---- 1. the token -------------------------------------------------------------------
await check("figures are refused (401) without the token or with a wrong one; the page says so and shows none", async () => {
  const wrong = "x".repeat(32);
  const bad = [];
  for (const p of ["/api/state", "/api/events", "/api/snapshot"]) {
    for (const [how, url, headers] of [
      ["no token", p, {}],
      ["wrong ?token", `${p}?token=${wrong}`, {}],
      ["wrong Bearer", p, { Authorization: `Bearer ${wrong}` }],
    ]) {
      const res = await fetch(base + url, { headers });
      await res.body?.cancel();
      if (res.status !== 401) bad.push(`${p} with ${how}: ${res.status}`);
    }
    // ...and the right token opens it, so the 401s above are the token's doing.
    const ac = new AbortController();
    const res = await fetch(`${base}${p}?token=${token}`, { signal: ac.signal });
    ac.abort();
    if (res.status !== 200) bad.push(`${p} with the token: ${res.status}`);
  }
  if (bad.length) throw new Error(bad.join("; "));
  const page = await open(`token=${wrong}&page=overview`);
  const s = await waitFor("the error banner (data-kind=error, 令牌)", async () => {
    const s = await read(page);
    return s.banner?.shown && s.banner.kind === "error" && s.banner.text.includes("令牌") && s;
  });
  const figures = s.figures.filter((f) => f.value !== "");
  if (figures.length || s.seq || s.ready) throw new Error(`figures shown without a valid token: seq=${s.seq}, ready=${s.ready}, ${JSON.stringify(figures.slice(0, 3))}`);
  await page.context().close();
});

// ---- 2. the page shows the API's figures --------------------------------------------
const wall = await open(`token=${token}&page=overview`);
await check("every overview tile shows the value /api/state has for the same seq", async () => {
  await waitFor("the first figures on the page (body[data-seq])", async () => (await read(wall)).seq, { timeout: 30_000 });
  // The feed is running: retry until the page and the API are at the same change number.
  let s, st;
  await waitFor("the page and /api/state at the same seq", async () => {
    s = await read(wall);
    st = await state();
    return s.seq === shown(st.seq);
  }, { timeout: 20_000, every: 200 });
  if (s.page !== "overview") throw new Error(`body[data-page] is "${s.page}", not overview`);
  if (s.ready !== "1") throw new Error(`figures on the page but body[data-ready] is "${s.ready}"`);
  const tiles = st.pages?.overview?.tiles ?? [];
  if (!tiles.length) throw new Error("/api/state has no overview tiles");
  const bad = [];
  for (const t of tiles) {
    const els = s.figures.filter((f) => f.key === t.key);
    if (!els.length) bad.push(`${t.key}: no [data-key][data-value] element`);
    for (const e of els) {
      if (e.value !== shown(t.value)) bad.push(`${t.key}: page "${e.value}", API "${shown(t.value)}"`);
      else if (t.value !== null && !e.text) bad.push(`${t.key}: no visible text`);
    }
  }
  if (bad.length) throw new Error(`seq ${s.seq}: ${bad.join("; ")}`);
  return `${tiles.length} tiles at seq ${s.seq}`;
});

await check("the response and diversion pages show the API's tiles, and every zone cell its circle rate", async () => {
  const notes = [];
  for (const name of ["response", "diversion"]) {
    await wall.click(`[data-goto="${name}"]`);
    let s, st;
    await waitFor(`page ${name} and /api/state at the same seq`, async () => {
      s = await read(wall);
      st = await state();
      return s.page === name && s.seq === shown(st.seq);
    }, { timeout: 20_000, every: 200 });
    const expected = st.pages[name].tiles.map((t) => [t.key, t.value]);
    if (name === "response") {
      for (const z of st.pages.response.zones) expected.push([`circle_rate:${z.code}`, z.circle_rate]);
    }
    const bad = [];
    for (const [key, value] of expected) {
      const els = s.figures.filter((f) => f.key === key);
      if (els.length !== 1) bad.push(`${key}: ${els.length} elements on screen`);
      else if (els[0].value !== shown(value)) bad.push(`${key}: page "${els[0].value}", API "${shown(value)}"`);
    }
    if (bad.length) throw new Error(`${name} at seq ${s.seq}: ${bad.join("; ")}`);
    notes.push(`${name}: ${expected.length}`);
  }
  await wall.click('[data-goto="overview"]');
  return notes.join(", ");
});

// A loop that died behind a live door: the door goes on handing out its last state, as the
// Tauri window's `wall_state` does and as a server whose loop is gone would. The page is
// given, over both its paths (the stream and /api/state), a real state of this server whose
// `checked_at` no longer moves, freshly sent: it must mark the figures stale by their age.
await check("a state that stops being renewed is marked stale by its age, figures kept, and fresh again after", async () => {
  const settings = await (await fetch(`${base}/api/settings`, { headers: { Authorization: `Bearer ${token}` } })).json();
  const page = await open(`token=${token}&page=overview`);
  await waitFor("fresh figures", async () => {
    const s = await read(page);
    return s.seq && !s.banner?.shown && s;
  }, { timeout: 30_000 });
  const frozen = await state();
  if (frozen.stale) throw new Error(`the server's state is stale already: ${JSON.stringify(frozen.stale)}`);
  const body = () => JSON.stringify({ ...frozen, sent_at: Date.now() });
  await page.route(/\/api\/events\?/, (r) => r.fulfill({
    status: 200,
    headers: { "content-type": "text/event-stream", "cache-control": "no-store" },
    // The stream ends after each event and the page's EventSource comes back in 300 ms:
    // it keeps hearing the same state, so nothing but its age can tell it is dead.
    body: `retry: 300\nevent: state\ndata: ${body()}\n\n`,
  }));
  await page.route(/\/api\/state$/, (r) => r.fulfill({ status: 200, contentType: "application/json", body: body() }));
  // Start hearing only the frozen state: reload, as a wall controller does after a glitch.
  await page.reload();
  const s = await waitFor("the stale banner for an old state", async () => {
    const s = await read(page);
    return s.banner?.shown && s.banner.kind === "stale" && s.banner.code === "state_old" && s.stale && s;
  }, { timeout: settings.stale_after_ms + 10_000, every: 100 });
  const age = Date.now() - frozen.checked_at;
  if (!s.banner.text.includes("数据已中断") || !s.banner.text.includes("未更新")) throw new Error(`banner: ${s.banner.text}`);
  const c = calls(s);
  const tile = frozen.pages.overview.tiles.find((t) => t.key === "calls");
  if (!c || c.value !== shown(tile.value) || !c.text) throw new Error(`the calls figure is not the frozen state's: ${JSON.stringify(c)}`);
  if (age < settings.stale_after_ms) throw new Error(`stale after ${age} ms, before the stale period ${settings.stale_after_ms} ms`);
  if (screenshotDir) await page.screenshot({ path: path.join(screenshotDir, "browser-state-old-1920x1080.png"), fullPage: true });
  // The door's loop is back: fresh states clear it by themselves.
  await page.unrouteAll({ behavior: "ignoreErrors" });
  await page.reload();
  await waitFor("no banner once fresh states come", async () => {
    const s = await read(page);
    return s.seq && !s.banner?.shown;
  }, { timeout: 30_000 });
  await page.context().close();
  return `stale ${(age / 1000).toFixed(1)} s after the state was checked (stale period ${settings.stale_after_ms} ms)`;
});

// The page is rendered again on every state (about once a second): it must update in place.
await check("an opened repeat history and a focused zone cell stay so across state updates", async () => {
  const desk = await open(`token=${token}&page=repeat`);
  const list = await waitFor("a repeat caller or place listed", () => desk.evaluate(() =>
    ["callers", "places"].find((id) => document.querySelector(`#${id} tbody tr.clickable`))), { timeout: 30_000 });
  await desk.click(`#${list} tbody tr.clickable >> nth=0`);
  const opened = await desk.evaluate((id) => {
    window.__e2eHistory = document.querySelector(`#${id} tbody tr.history`);
    return { seq: document.body.dataset.seq, text: window.__e2eHistory?.innerText.trim() ?? "" };
  }, list);
  if (!opened.text) throw new Error(`a click on the first ${list} row opened no history`);
  await desk.click('[data-goto="response"]');
  await desk.focus("#zone-grid [data-zone]");
  const zone = await desk.evaluate(() => document.activeElement?.dataset.zone);
  const seqs = new Set();
  let moved = null; // (waitFor retries what throws, so a lost focus ends the wait instead)
  await waitFor("three state updates with the zone cell focused", async () => {
    const s = await desk.evaluate(() => ({ seq: document.body.dataset.seq, focused: document.activeElement?.dataset.zone }));
    if (s.focused !== zone) moved = `focus moved from zone ${zone} to ${s.focused ?? "nothing"} at seq ${s.seq}`;
    seqs.add(s.seq);
    return moved || seqs.size >= 4;
  }, { timeout: 20_000, every: 200 });
  if (moved) throw new Error(moved);
  await desk.click('[data-goto="repeat"]');
  await waitFor("updates on the repeat page", async () => seqs.add(await desk.evaluate(() => document.body.dataset.seq)).size >= 6, { timeout: 20_000, every: 200 });
  const kept = await desk.evaluate(() => window.__e2eHistory?.isConnected && window.__e2eHistory.checkVisibility());
  if (!kept) throw new Error(`the opened ${list} history is gone after seq ${opened.seq} → ${[...seqs].pop()}`);
  await desk.context().close();
  return `zone ${zone} focused and a ${list} history open over seq ${opened.seq} → ${[...seqs].pop()}`;
});

// The desk's 上周周报 button: a real click, the browser's download, the file read back.
await check("the desk's 上周周报 button downloads last week's report: a PDF of that week, named in the note", async () => {
  const desk = await open(`token=${token}`);
  await waitFor("the desk rendered", () => desk.evaluate(() => document.body.dataset.ready === "1" || Boolean(document.body.dataset.seq)), { timeout: 30_000 });
  const [download] = await Promise.all([
    desk.waitForEvent("download", { timeout: 90_000 }),
    desk.click("#report"),
  ]);
  const name = download.suggestedFilename();
  const week = name.match(/^report-(\d{4}-W\d{2})\.pdf$/)?.[1];
  if (!week) throw new Error(`the download is named ${name}, not report-YYYY-Www.pdf`);
  const file = path.join(dir, name);
  await download.saveAs(file);
  const head = fs.readFileSync(file).subarray(0, 5).toString();
  if (head !== "%PDF-") throw new Error(`${name} is not a PDF (starts ${JSON.stringify(head)})`);
  const text = (await must("pdftotext", [file, "-"])).out.replace(/\s+/g, "");
  for (const want of ["周报", `（${week}）`, "总体情况"]) {
    if (!text.includes(want)) throw new Error(`the PDF's text lacks ${want}: ${text.slice(0, 300)}`);
  }
  const note = await waitFor("the note names the file", () => desk.evaluate(() => document.getElementById("report-note")?.innerText ?? "")
    .then((t) => t.includes(name) && t), { timeout: 10_000 });
  await desk.context().close();
  return `${name}, ${fs.statSync(file).size} bytes; note: ${note}`;
});

// ---- 5. screenshots, while the feed runs (optional) ---------------------------------
if (screenshotDir) {
  await check(`screenshots of every page at 1920x1080 and 3840x2160 in ${screenshotDir}`, async () => {
    fs.mkdirSync(screenshotDir, { recursive: true });
    for (const [width, height] of [[1920, 1080], [3840, 2160]]) {
      for (const name of PAGES) {
        const page = await open(`token=${token}&page=${name}`, { width, height });
        await waitFor(`page ${name} with figures`, async () => {
          const s = await read(page);
          return s.page === name && s.seq;
        }, { timeout: 30_000 });
        // A call arrives every few seconds; catch a moment without the stale banner.
        await waitFor("fresh", async () => !(await read(page)).stale, { timeout: 8_000 }).catch(() => {});
        await page.evaluate(() => document.fonts.ready);
        await waitFor("images loaded", () => page.evaluate(() => [...document.images].every((i) => i.complete)), { timeout: 5_000 }).catch(() => {});
        await sleep(300);
        await page.screenshot({ path: path.join(screenshotDir, `browser-${name}-${width}x${height}.png`), fullPage: true });
        await page.context().close();
      }
    }
  });
}

// ---- 3. a row written to the database is on screen within 2 s -----------------------
let insertedAt = null;
let expected = null;
await check("a row imported into the database shows on the calls tile within 2 s", async () => {
  await stop(feed);
  feed = null;
  let prev = null;
  await waitFor("the page's seq stable and equal to the API's", async () => {
    const seq = (await read(wall)).seq;
    const st = await state();
    const ok = seq && seq === prev && seq === shown(st.seq);
    prev = seq;
    return ok;
  }, { timeout: 15_000, every: 700 });
  const before = calls(await read(wall));
  const n = Number(before?.value);
  if (!before || !Number.isInteger(n)) throw new Error(`no whole calls figure on the page: ${JSON.stringify(before)}`);
  expected = String(n + 1);

  const csv = path.join(dir, "one.csv");
  insertedAt = Date.now();
  fs.writeFileSync(csv, oneRowCsv(cad, `E2E-${insertedAt}`, insertedAt));
  // The page notes, polling every 50 ms, when N+1 is on screen (same clock as ours).
  await wall.evaluate((target) => {
    window.__e2eSeen = 0;
    const t = setInterval(() => {
      const el = [...document.querySelectorAll('[data-key="calls"][data-value]')].find((e) => e.checkVisibility());
      if (el?.getAttribute("data-value") === target) {
        window.__e2eSeen = Date.now();
        clearInterval(t);
      }
    }, 50);
  }, expected);
  const t0 = Date.now();
  const imp = await run(bin, ["--database", db, "import", csv, "--mapping", "decc_cad"]);
  const t1 = Date.now();
  if (imp.code !== 0 || !/1 stored/.test(imp.out)) throw new Error(`import failed (${imp.code}): ${imp.out}${imp.err}`);
  const seen = await waitFor(`calls ${expected} on the page`, () => wall.evaluate(() => window.__e2eSeen), { timeout: 6_000, every: 50 })
    .catch(async (e) => { throw new Error(`${e.message}; the page shows calls=${calls(await read(wall))?.value}`); });
  console.log(`# insert-to-screen latency: ${seen - t0} ms (import finished → screen: ${seen - t1} ms; the import took ${t1 - t0} ms)`);
  const tile = (await state()).pages.overview.tiles.find((t) => t.key === "calls");
  if (shown(tile?.value) !== expected) throw new Error(`/api/state calls is ${shown(tile?.value)}, expected ${expected}`);
  if (seen - t0 >= 2000) throw new Error(`took ${seen - t0} ms`);
  return `${n} → ${expected} in ${seen - t0} ms`;
});

// ---- 4. a silent feed raises the stale banner, the figures stay ---------------------
// The feed is judged by when a call arrived, as the server's loop sees it at its ticks
// (every second): a tick to see the call arrive, STALE_AFTER_S, a tick to see the silence,
// and the import itself; so the banner comes within STALE_AFTER_S + 4 s of the last call.
await check("a row a CAD writes into a watched folder is on the wall within 5 s, not before its line is complete; the footer names the file", async () => {
  const folder = path.join(dir, "exports");
  fs.mkdirSync(folder);
  const watcher = start(dir, "watch", bin, ["--database", db, "import", "--watch", folder, "--mapping", "decc_cad", "--poll", "500ms"]);
  try {
    const n = Number(calls(await read(wall))?.value);
    const [header, row] = oneRowCsv(cad, `E2E-W-${Date.now()}`, Date.now()).split("\n");
    const file = path.join(folder, "cad-export.csv");
    // The CAD has written the header and half the row: nothing may be taken yet.
    fs.writeFileSync(file, `${header}\n${row.slice(0, 40)}`);
    await sleep(2500);
    const early = Number(calls(await read(wall))?.value);
    if (early !== n) throw new Error(`half a row was taken: calls ${n} → ${early}`);
    fs.appendFileSync(file, `${row.slice(40)}\n`);
    const t0 = Date.now();
    await waitFor(`calls ${n + 1} on the page within 5 s`, async () => Number(calls(await read(wall))?.value) === n + 1, { timeout: 5_000, every: 100 });
    const first = Date.now() - t0;
    // The file grows by a row: only the new row is taken.
    const [, row2] = oneRowCsv(cad, `E2E-W2-${Date.now()}`, Date.now()).split("\n");
    fs.appendFileSync(file, `${row2}\n`);
    const t1 = Date.now();
    insertedAt = t1; // the feed's last data: the next check times its silence from here
    await waitFor(`calls ${n + 2} on the page within 5 s`, async () => Number(calls(await read(wall))?.value) === n + 2, { timeout: 5_000, every: 100 });
    const second = Date.now() - t1;
    const footer = await wall.evaluate(() => document.getElementById("import_status")?.innerText ?? "");
    if (!footer.includes("cad-export.csv") || !footer.includes("目录监视中")) throw new Error(`the footer says: "${footer}"`);
    if (!/2 rows, 2 stored|1 rows, 1 stored/.test(watcher.out)) throw new Error(`the watch printed: ${watcher.out}${watcher.err}`);
    expected = String(n + 2);
    return `row on screen ${first} ms after its line was complete, the next ${second} ms; footer "${footer}"`;
  } finally {
    await stop(watcher);
  }
});

await check(`with the feed stopped and a row dated 20 h ahead imported, the stale banner (数据已中断) shows within ${STALE_AFTER_S + 4} s of the last call (STALE_AFTER_S=${STALE_AFTER_S}), silent since before that row, which is named`, async () => {
  if (feed) await stop(feed); // if check 3 could not stop it
  const lastCall = insertedAt ?? Date.now();
  expected ??= calls(await read(wall))?.value;
  // Liveness is when data arrived, not a record's own time: this row must not wake the feed.
  const aheadCsv = path.join(dir, "ahead.csv");
  fs.writeFileSync(aheadCsv, oneRowCsv(cad, `E2E-AHEAD-${Date.now()}`, Date.now() + 20 * 3_600_000));
  const aheadAt = Date.now();
  await must(bin, ["--database", db, "import", aheadCsv, "--mapping", "decc_cad"]);
  const s = await waitFor("the stale banner", async () => {
    const s = await read(wall);
    return s.banner?.shown && s.banner.kind === "stale" && s.banner.text.includes("数据已中断") && s.stale && s;
  }, { timeout: Math.max(1000, lastCall + (STALE_AFTER_S + 4) * 1000 - Date.now()), every: 100 });
  const elapsed = Date.now() - lastCall;
  const c = calls(s);
  if (!c || c.value !== expected || !c.text) throw new Error(`the calls figure changed or vanished: ${JSON.stringify(c)}, expected "${expected}"`);
  // Silent since the last call arrived, not woken by the row dated ahead.
  const st = await state();
  if (st.stale?.code !== "feed_silent" || !(st.stale.since < aheadAt)) throw new Error(`stale ${JSON.stringify(st.stale)}; the row dated ahead was imported at ${aheadAt}`);
  // The one CSV row is a call and its incident: the count is the server's, shown as such.
  const ahead = st.ahead;
  if (!ahead || ahead.records < 1) throw new Error(`/api/state counts no record dated ahead: ${JSON.stringify(ahead)}`);
  const noted = await waitFor("the data-quality notice", async () => (await read(wall)).notice, { timeout: 5_000 });
  if (!noted.includes("数据质量") || !noted.includes(`${ahead.records} 条记录`)) throw new Error(`notice: ${noted}; ahead: ${JSON.stringify(ahead)}`);
  if (screenshotDir) await wall.screenshot({ path: path.join(screenshotDir, "browser-stale-1920x1080.png"), fullPage: true });
  // The same in English.
  const en = await open(`token=${token}&page=overview&lang=en`);
  await waitFor("the English stale banner (Data feed stopped)", async () => {
    const s = await read(en);
    return s.banner?.shown && s.banner.kind === "stale" && s.banner.text.includes("Data feed stopped");
  }, { timeout: 8_000 });
  await en.context().close();
  return `${(elapsed / 1000).toFixed(1)} s after the last call`;
});

// ---- 6. the wall comes back by itself after the server restarts -----------------------
await check("after the server restarts and the feed resumes, the open page recovers by itself", async () => {
  const before = Number((await read(wall)).seq);
  await stop(server);
  // While the server is away the page says the connection is lost, figures kept.
  await waitFor("the lost-connection banner", async () => {
    const s = await read(wall);
    return s.banner?.shown && s.banner.kind === "stale" && calls(s)?.value === expected;
  }, { timeout: 10_000 });
  server = start(dir, "serve-again", bin, ["--database", db, "serve", "--bind", base.replace("http://", ""), "--token", token], { env: serveEnv });
  feed = start(dir, "feed-again", bin, ["--database", db, "simulate", "--live"]);
  const s = await waitFor("fresh figures and no banner on the same page", async () => {
    const s = await read(wall);
    return !s.banner?.shown && Number(s.seq) > before && s;
  }, { timeout: 60_000, every: 250 });
  return `seq ${before} → ${s.seq}`;
});

await finish(0);
