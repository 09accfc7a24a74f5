// Alerts on the served wall, end to end: a rule the test triggers by importing one row, the
// alert in the state and on screen within 2 s (the banner in its colour, the calls tile
// pulsing red, the wall jumping to the alert's page, the chime rung), a browser desk
// acknowledging it with a commander's own token (the banner then names who), the wall's
// token refused (403), and the acknowledgement still in the history after a restart. With
// SCREENSHOT_DIR set it also saves a yellow and a red alert on the wall at 1080p and 4K,
// the desk's alert list and the acknowledge dialog.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { bin, check, deadline, finish, must, onCleanup, oneRowCsv, run, scratch, screenshotDir, sleep, start, stop, waitFor } from "./lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = process.env.COMMANDWALL_SHARED || path.join(here, "../../../shared");
const cad = process.env.CAD || path.join(shared, "data/decc_cad_2025w35-41.csv");
const COMMANDER = { name: "张伟", token: `commander-${crypto.randomBytes(12).toString("hex")}` };
const COMMENT = "已知悉，已调派增援（e2e）";
const LATENCY_MS = 2000;

deadline(screenshotDir ? 240_000 : 180_000, "the alerts test");
const dir = scratch("alerts");
const db = path.join(dir, "alerts.db");
const token = crypto.randomBytes(16).toString("hex");
const shot = (name) => screenshotDir && path.join(screenshotDir, name);
if (screenshotDir) fs.mkdirSync(screenshotDir, { recursive: true });

// ---- the city (no live feed: the figures move only when the test imports a row) -----
await must(bin, ["--database", db, "simulate", "--backfill", "2d"]);
// Calls so far today: stable without a feed (unlike the last 15 minutes, which empty as
// time passes), so a rule "above today's calls" fires on the next call and only then.
const live = JSON.parse((await must(bin, ["--database", db, "kpi", "--json"])).out);
const today = live.windows.find((w) => w.key === "day_so_far");
const callsToday = today?.cuts[0].report.metrics.find((m) => m.key === "calls")?.value;
if (!Number.isInteger(callsToday)) throw new Error(`no calls figure for day_so_far in kpi --json: ${JSON.stringify(today)?.slice(0, 300)}`);

// Two rules replace the default list: red when a call comes in (the calls tile, on the
// overview), and yellow from the start (the work-order handled rate, on the diversion page).
const config = path.join(dir, "centre.toml");
fs.writeFileSync(config, `
[alerts]
chime = true
escalate_after_min = 10

[[alerts.rules]]
id = "e2e_calls"
kind = "threshold"
figure = "calls"
window = "day_so_far"
above = ${callsToday}
clear = 0
level = "red"

[[alerts.rules]]
id = "e2e_handled"
kind = "threshold"
figure = "work_order_handled_rate"
window = "day_so_far"
below = 0.999
level = "yellow"

[[alerts.commanders]]
name = "${COMMANDER.name}"
token = "${COMMANDER.token}"
`);

// No feed runs, so the last call ages: keep the stale banner (which dims the pages) away.
const serveEnv = { ...process.env, COMMANDWALL__LIVE__STALE_AFTER_S: "3600" };
const serve = (name, bind = "127.0.0.1:0") => start(dir, name, bin,
  ["--config", config, "--database", db, "serve", "--bind", bind, "--token", token], { env: serveEnv });
let server = serve("serve");
const base = await waitFor("the server printed its address", () => {
  if (server.exitCode !== null) throw new Error(`serve exited: ${server.err}`);
  return server.out.match(/serving the wall on (http:\/\/[^/\s]+)\//)?.[1];
}, { timeout: 20_000 });

const api = async (p, opts = {}) => {
  const res = await fetch(base + p, { ...opts, headers: { Authorization: `Bearer ${token}`, ...opts.headers } });
  if (!res.ok) throw new Error(`${p}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
};
const alertsNow = async () => (await api("/api/state")).alerts;
const byRule = (alerts, rule) => alerts?.active.find((a) => a.rule === rule);

// Kiosk walls play sound without a click; headless Chromium would not, so it is told to.
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--autoplay-policy=no-user-gesture-required"],
});
onCleanup(() => browser.close());

async function open(query, viewport = { width: 1920, height: 1080 }) {
  const ctx = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => console.log(`# page error (${query}): ${e.message}`));
  await page.goto(`${base}/?${query}`);
  await waitFor(`${query}: figures on the page`, () => page.evaluate(() => document.body.dataset.ready === "1"), { timeout: 30_000 });
  return page;
}

/** Waits for fonts and chart images, then saves a screenshot (when SCREENSHOT_DIR is set). */
async function screenshot(page, name) {
  if (!screenshotDir) return;
  await page.evaluate(() => document.fonts.ready);
  await waitFor("images loaded", () => page.evaluate(() => [...document.images].every((i) => i.complete)), { timeout: 5_000 }).catch(() => {});
  await sleep(300);
  await page.screenshot({ path: shot(name) });
}

// What the wall shows of its alerts: the page, the banner's rows, the marked tiles and
// zone cells (with whether they pulse: the animation actually running), the chime.
const read = (page) => page.evaluate(() => {
  const b = document.body.dataset;
  return {
    page: b.page,
    chime: b.chime, chimeAsked: Number(b.chimeAsked || 0), chimed: Number(b.chimed || 0),
    rows: [...document.querySelectorAll("#alerts:not([hidden]) .al-row")].filter((r) => r.checkVisibility()).map((r) => ({
      id: r.dataset.id, level: r.dataset.level, state: r.dataset.state, text: r.innerText.replace(/\s+/g, " ").trim(),
      background: getComputedStyle(r.querySelector(".al-chip")).backgroundColor,
    })),
    marked: [...document.querySelectorAll("[data-alert]")].filter((n) => n.checkVisibility()).map((n) => ({
      key: n.dataset.tile || n.dataset.zone, level: n.dataset.alert, firing: n.hasAttribute("data-alert-firing"),
      pulse: getComputedStyle(n, "::after").animationName,
      value: n.querySelector("[data-value]")?.getAttribute("data-value") ?? null,
    })),
  };
});

// ---- 1. before the trigger: the yellow alert holds the wall on its page ---------------
// The wall starts on the overview and would stay there (long dwells): any move is the
// alerts' doing.
const dwell = "overview:600,response:600,diversion:600,repeat:600,seats:600";
const wall = await open(`token=${token}&wall&rotate=${dwell}`);
const wall4k = screenshotDir ? await open(`token=${token}&wall&rotate=${dwell}`, { width: 3840, height: 2160 }) : null;

await check("a firing yellow alert is in the state and takes the wall to its page; no chime for yellow", async () => {
  const a = await waitFor("the yellow rule firing in /api/state", async () => {
    const a = byRule(await alertsNow(), "e2e_handled");
    return a?.state === "firing" && a;
  }, { timeout: 15_000 });
  if (byRule(await alertsNow(), "e2e_calls")) throw new Error("the red rule is active before any call was imported");
  if (a.level !== "yellow" || a.page !== "diversion" || !a.on_wall || a.chime) throw new Error(`unexpected: ${JSON.stringify(a)}`);
  const s = await waitFor("the wall on the diversion page with the yellow banner and tile", async () => {
    const s = await read(wall);
    return s.page === "diversion" && s.rows.some((r) => r.level === "yellow")
      && s.marked.some((m) => m.key === a.figure && m.level === "yellow" && m.firing) && s;
  }, { timeout: 5_000 }).catch(async (e) => { throw new Error(`${e.message}: ${JSON.stringify(await read(wall))}`); });
  if (s.chimeAsked) throw new Error(`a chime was asked for a yellow alert (${s.chimeAsked})`);
  await screenshot(wall, "browser-alert-yellow-1920x1080.png");
  if (wall4k) {
    await waitFor("the 4K wall with the yellow alert", async () => (await read(wall4k)).rows.some((r) => r.level === "yellow"), { timeout: 10_000 });
    await screenshot(wall4k, "browser-alert-yellow-3840x2160.png");
  }
  return `#${a.id} ${a.detail}; chime context ${s.chime}`;
});

// ---- 2. one imported call fires the red alert: state and screen within 2 s -------------
let red = null;
await check(`one imported call fires the red alert: in the state and on screen within ${LATENCY_MS / 1000} s, the calls tile pulsing red, the wall on its page, the chime rung`, async () => {
  // Each figure as the page has it when the red row appears, stamped by the page's clock.
  await wall.evaluate(() => {
    window.__e2eRed = 0;
    const t = setInterval(() => {
      const row = [...document.querySelectorAll("#alerts:not([hidden]) .al-row")].find((r) => r.dataset.level === "red" && r.checkVisibility());
      const tile = [...document.querySelectorAll('.tile[data-tile="calls"][data-alert="red"][data-alert-firing]')].find((n) => n.checkVisibility());
      if (row && tile && document.body.dataset.page === "overview") {
        window.__e2eRed = Date.now();
        clearInterval(t);
      }
    }, 50);
  });
  const chimedBefore = (await read(wall)).chimed;
  const csv = path.join(dir, "one.csv");
  const now = Date.now();
  fs.writeFileSync(csv, oneRowCsv(cad, `E2E-ALERT-${now}`, now));
  const t0 = Date.now();
  const imp = await run(bin, ["--config", config, "--database", db, "import", csv, "--mapping", "decc_cad"]);
  const t1 = Date.now();
  if (imp.code !== 0 || !/1 stored/.test(imp.out)) throw new Error(`import failed (${imp.code}): ${imp.out}${imp.err}`);
  // The state: polled meanwhile.
  let inState = 0;
  const polling = waitFor("the red alert firing in /api/state", async () => {
    const a = byRule(await alertsNow(), "e2e_calls");
    if (a?.state === "firing") {
      inState = Date.now();
      return a;
    }
    return null;
  }, { timeout: 6_000, every: 50 });
  const seen = await waitFor("the red alert on the wall (banner, pulsing calls tile, overview page)", () => wall.evaluate(() => window.__e2eRed), { timeout: 6_000, every: 50 })
    .catch(async (e) => { throw new Error(`${e.message}: ${JSON.stringify(await read(wall))}`); });
  red = await polling;
  console.log(`# trigger-to-screen latency: ${seen - t0} ms (import finished → screen ${seen - t1} ms; import took ${t1 - t0} ms; in /api/state after ${inState - t0} ms)`);
  const bad = [];
  if (red.level !== "red" || red.figure !== "calls" || red.page !== "overview" || !red.on_wall || !red.chime) bad.push(`the alert: ${JSON.stringify(red)}`);
  if (red.value !== callsToday + 1) bad.push(`value ${red.value}, expected ${callsToday + 1}`);
  const s = await read(wall);
  const row = s.rows.find((r) => r.id === String(red.id));
  if (!row || row.level !== "red" || !row.text.includes("红色预警") || !row.text.includes("未确认")) bad.push(`banner row: ${JSON.stringify(row)}`);
  if (row && s.rows.indexOf(row) !== 0) bad.push(`the red alert is not the banner's first row: ${JSON.stringify(s.rows)}`);
  if (row && row.background !== "rgb(232, 38, 43)") bad.push(`the red chip is ${row.background}`);
  const tile = s.marked.find((m) => m.key === "calls");
  if (!tile || tile.level !== "red" || !tile.firing || tile.pulse !== "alert-pulse") bad.push(`calls tile: ${JSON.stringify(tile)}`);
  if (tile && tile.value !== String(callsToday + 1)) bad.push(`calls tile shows ${tile.value}, expected ${callsToday + 1}`);
  if (s.page !== "overview") bad.push(`wall on ${s.page}, not overview`);
  // Headless Chromium is told to allow sound; the chime must have been played, not only asked.
  const chimed = await waitFor("the chime", async () => (await read(wall)).chimed > chimedBefore, { timeout: 3_000 }).catch(() => false);
  if (!chimed) bad.push(`no chime played (context ${s.chime}, asked ${s.chimeAsked}, played ${s.chimed})`);
  if (bad.length) throw new Error(bad.join("; "));
  if (seen - t0 >= LATENCY_MS) throw new Error(`on screen after ${seen - t0} ms`);
  await screenshot(wall, "browser-alert-red-1920x1080.png");
  if (wall4k) {
    await waitFor("the 4K wall with the red alert", async () => (await read(wall4k)).rows.some((r) => r.level === "red"), { timeout: 10_000 });
    await screenshot(wall4k, "browser-alert-red-3840x2160.png");
  }
  return `#${red.id} "${red.detail}" on screen ${seen - t0} ms after the import began; chime played`;
});
if (wall4k) await wall4k.context().close();

// ---- 3. only a commander's own token may write ---------------------------------------
await check("the wall's token cannot acknowledge (403 read_only); an unknown token gets 401", async () => {
  const id = red?.id ?? byRule(await alertsNow(), "e2e_calls")?.id ?? 1;
  const post = (bearer) => fetch(`${base}/api/alerts/${id}/ack`, {
    method: "POST", headers: { Authorization: `Bearer ${bearer}`, "Content-Type": "application/json" }, body: JSON.stringify({ comment: "x" }),
  }).then(async (r) => ({ status: r.status, body: await r.json().catch(() => null) }));
  const wallTry = await post(token);
  const unknown = await post("x".repeat(32));
  const bad = [];
  if (wallTry.status !== 403 || wallTry.body?.code !== "read_only") bad.push(`wall token: ${wallTry.status} ${JSON.stringify(wallTry.body)}`);
  if (unknown.status !== 401) bad.push(`unknown token: ${unknown.status} ${JSON.stringify(unknown.body)}`);
  if (byRule(await alertsNow(), "e2e_calls")?.state !== "firing") bad.push("the alert is no longer firing after the refused writes");
  if (bad.length) throw new Error(bad.join("; "));
  return `403 ${wallTry.body.code}, 401`;
});

// ---- 4. the browser desk acknowledges with the commander's token ----------------------
await check("the desk acknowledges with the commander's token: the wall token is refused in the dialog, then the banner names who; the wall resumes", async () => {
  if (!red) throw new Error("no red alert to acknowledge");
  const desk = await open(`token=${token}&page=alerts`);
  const row = `#al-active tbody tr[data-id="${red.id}"]`;
  await waitFor("the alert in the desk's list", () => desk.evaluate((sel) => !!document.querySelector(sel)?.checkVisibility(), row), { timeout: 5_000 });
  await waitFor("the day's history listed", () => desk.evaluate(() => document.querySelectorAll("#al-history tbody tr").length > 0), { timeout: 5_000 });
  await screenshot(desk, "browser-desk-alerts-1920x1080.png");
  await desk.click(`${row} button[data-act="ack"]`);
  await desk.waitForSelector("#al-dialog[open]");
  await desk.fill("#al-form [name=comment]", COMMENT);
  await desk.fill("#al-form [name=token]", COMMANDER.token);
  await screenshot(desk, "browser-desk-ack-dialog-1920x1080.png");
  // The wall's token first: the server refuses it, and the dialog says so.
  await desk.fill("#al-form [name=token]", token);
  await desk.click("#al-d-ok");
  const refusal = await waitFor("the refusal in the dialog", () => desk.evaluate(() => {
    const e = document.getElementById("al-d-error");
    return !e.hidden && !e.classList.contains("sending") && e.innerText;
  }), { timeout: 5_000 });
  if (!/只能查看|can only read/.test(refusal)) throw new Error(`the dialog says: ${refusal}`);
  await screenshot(desk, "browser-desk-ack-refused-1920x1080.png");
  await desk.fill("#al-form [name=token]", COMMANDER.token);
  await desk.click("#al-d-ok");
  await waitFor("the dialog closed", () => desk.evaluate(() => !document.getElementById("al-dialog").open), { timeout: 5_000 })
    .catch(async (e) => { throw new Error(`${e.message}: ${await desk.evaluate(() => document.getElementById("al-d-error").innerText)}`); });
  const a = await waitFor("the alert acknowledged in /api/state", async () => {
    const a = byRule(await alertsNow(), "e2e_calls");
    return a?.state === "acknowledged" && a;
  }, { timeout: 5_000 });
  const [actor] = a.acknowledged;
  if (actor.who !== COMMANDER.name || actor.comment !== COMMENT || actor.door !== "http") throw new Error(`acknowledged as ${JSON.stringify(actor)}`);
  if (a.chime) throw new Error("an acknowledged alert still chimes");
  // The wall: the banner names who; the tile is steady; the wall goes back to the page of
  // the alert still firing (the yellow one).
  const s = await waitFor("the wall: 张伟 in the banner, the calls tile steady, back on the diversion page", async () => {
    const s = await read(wall);
    const r = s.rows.find((x) => x.id === String(a.id));
    return r && r.text.includes(COMMANDER.name) && r.text.includes("已确认") && s.page === "diversion" && s;
  }, { timeout: 5_000 }).catch(async (e) => { throw new Error(`${e.message}: ${JSON.stringify(await read(wall))}`); });
  // The acknowledged tile stays marked but no longer pulses (seen on the desk's overview:
  // the wall now holds the yellow alert's page).
  await desk.click('[data-goto="overview"]');
  const calm = await waitFor("the calls tile marked red, not pulsing", async () => {
    const t = (await read(desk)).marked.find((m) => m.key === "calls");
    return t && t.level === "red" && !t.firing && t.pulse === "none" && t;
  }, { timeout: 3_000 }).catch(async (e) => { throw new Error(`${e.message}: ${JSON.stringify(await read(desk))}`); });
  await desk.click('[data-goto="alerts"]');
  // The commander's token stays in this tab's session only, never in the address.
  const kept = await desk.evaluate(() => ({
    session: Object.values(sessionStorage), local: Object.values(localStorage), url: location.href,
  }));
  if (!kept.session.includes(COMMANDER.token)) throw new Error("the commander token is not kept for the session");
  if (kept.local.some((v) => v.includes(COMMANDER.token)) || kept.url.includes(COMMANDER.token)) throw new Error(`the commander token leaked: ${JSON.stringify(kept)}`);
  // The desk's history lists the acknowledgement.
  await waitFor("the acknowledgement in the desk's history", () => desk.evaluate((who) =>
    [...document.querySelectorAll("#al-history tbody tr")].some((r) => r.innerText.includes(who) && r.innerText.includes("确认")), COMMANDER.name), { timeout: 5_000 });
  await desk.context().close();
  return `${s.rows.find((x) => x.id === String(a.id)).text}; calls tile ${calm.level}, steady`;
});

// ---- 5. the audit survives a restart -----------------------------------------------------
await check("after serve restarts on the same database, GET api/alerts/history still has the acknowledgement", async () => {
  if (!red) throw new Error("no red alert");
  await stop(server);
  server = serve("serve-again", base.replace("http://", ""));
  const day = 24 * 3600_000;
  const events = await waitFor("the history from the restarted server", () => api(`/api/alerts/history?from=${Date.now() - day}&to=${Date.now() + 60_000}`), { timeout: 20_000, every: 250 });
  const ack = events.find((e) => e.alert === red.id && e.kind === "acknowledged");
  if (!ack || ack.actor?.who !== COMMANDER.name || ack.actor?.comment !== COMMENT || ack.rule !== "e2e_calls") {
    throw new Error(`no acknowledgement of #${red.id} by ${COMMANDER.name}: ${JSON.stringify(events).slice(0, 600)}`);
  }
  const kinds = events.filter((e) => e.alert === red.id).map((e) => e.kind);
  // ...and the alert is still acknowledged, not firing anew.
  const a = await waitFor("the alert in the restarted server's state", async () => byRule(await alertsNow(), "e2e_calls"), { timeout: 10_000 });
  if (a.state !== "acknowledged") throw new Error(`after the restart the alert is ${a.state}`);
  return `#${red.id}: ${kinds.join(" → ")}`;
});

await finish(0);
