// The real Tauri window (WebKitGTK) in wall mode on a virtual X display: a plain screenshot
// check that it opens full screen on the dark wall background and draws a rendered wall, not
// its loading screen: the band where the pages' tiles (or tables) begin must be full of
// figures and text. The same check is first run on the empty display, where it must fail.
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { chromium } from "playwright-core";
import { bin, check, deadline, finish, must, onCleanup, scratch, screenshotDir, sleep, start, stop, waitFor } from "./lib.mjs";

const [W, H] = [1920, 1080];
// The wall's dark theme: its background and the panels on it (ui/style.css --bg, --panel).
const BACKGROUND = "#070d1a";
const PANEL = "#0e1a30";
const MIN_DARK = 0.5; // an 800x600 window on this screen would cover 23%
const MIN_COLOURS = 256; // anti-aliased text and charts give thousands; a blank screen 1
// The loading screen has the same background, header, footer and (the overview's) chart
// panel, and its text alone gives ~450 colours: colours cannot tell it from a wall. What
// only a rendered page has is detail in the band below the header, where every page
// starts with its tiles or tables. Measured in Chromium in wall mode at 1920x1080: 9.4%
// (repeat) to 12% (overview) on the five pages, 2.3% on the loading screen (its banner's
// text). "Detail" is any pixel that is not the background, a panel, the loading banner
// (ui/style.css .banner[data-kind="loading"]) or the bare X root.
const LOADING = "#1d3a5f";
const BAND = { top: 0.08, height: 0.2 }; // of the screen: y 86-302 at 1080, below the header
const MIN_DETAIL = 0.05;

deadline(150_000, "the window test");
const dir = scratch("window");
const db = path.join(dir, "wall.db");

// A filled database, so the window has figures within seconds rather than after a backfill.
await must(bin, ["--database", db, "simulate", "--backfill", "2d"]);

// -displayfd: Xvfb picks a free display itself and writes its number to fd 3.
const xvfb = start(dir, "xvfb", "Xvfb", ["-displayfd", "3", "-screen", "0", `${W}x${H}x24`, "-nolisten", "tcp"], {
  stdio: ["ignore", "ignore", "pipe", "pipe"],
});
let number = "";
xvfb.stdio[3].on("data", (d) => (number += d));
const display = await waitFor("Xvfb's display number", () => {
  if (xvfb.exitCode !== null) throw new Error(`Xvfb exited: ${xvfb.err}`);
  return /^\d+\n/.test(number) && `:${number.trim()}`;
}, { timeout: 15_000 });

const pct = (x) => `${(x * 100).toFixed(1)}%`;
let shots = 0;
async function screenshot() {
  const file = path.join(dir, `shot-${++shots}.png`);
  await must("import", ["-display", display, "-window", "root", file]);
  return file;
}

/** What is wrong with a screenshot of the wall (an empty list when nothing is). */
async function problems(file) {
  const [w, h, colours] = (await must("identify", ["-format", "%w %h %k", file])).out.split(" ").map(Number);
  // The share of pixels within 3% of the given colours: make those transparent, read alpha.
  const share = async (...colours) => Number((await must("convert", [
    file, "-fuzz", "3%", ...colours.flatMap((c) => ["-transparent", c]), "-alpha", "extract", "-negate", "-format", "%[fx:mean]", "info:",
  ])).out);
  const [background, dark] = [await share(BACKGROUND), await share(BACKGROUND, PANEL)];
  const band = `${w}x${Math.round(h * BAND.height)}+0+${Math.round(h * BAND.top)}`;
  const detail = 1 - Number((await must("convert", [
    file, "-crop", band, "+repage", "-fuzz", "3%", ...[BACKGROUND, PANEL, LOADING, "black"].flatMap((c) => ["-transparent", c]),
    "-alpha", "extract", "-negate", "-format", "%[fx:mean]", "info:",
  ])).out);
  // The X root is black: a full-screen window leaves no black corner.
  const corner = (x, y) => `%[fx:p{${x},${y}}.r+p{${x},${y}}.g+p{${x},${y}}.b]`;
  const corners = (await must("convert", [file, "-format", [corner(0, 0), corner("w-1", 0), corner(0, "h-1"), corner("w-1", "h-1")].join(" "), "info:"])).out.split(" ").map(Number);
  const found = [];
  if (w !== W || h !== H) found.push(`size ${w}x${h}, not ${W}x${H}`);
  if (!(dark >= MIN_DARK)) found.push(`the wall's background and panels cover ${pct(dark)} (< ${pct(MIN_DARK)})`);
  if (corners.some((c) => c < 0.02)) found.push(`a corner is black (the bare X root): ${corners.join(", ")}`);
  if (!(colours >= MIN_COLOURS)) found.push(`${colours} distinct colours (< ${MIN_COLOURS}): nothing drawn`);
  if (!(detail >= MIN_DETAIL)) found.push(`detail covers ${pct(detail)} of the band below the header (< ${pct(MIN_DETAIL)}): no figures yet (the loading screen?)`);
  return { found, summary: `${colours} colours; background ${pct(background)}, with panels ${pct(dark)}; detail below the header ${pct(detail)}` };
}

await check("the screenshot check rejects the empty display", async () => {
  const { found } = await problems(await screenshot());
  if (!found.length) throw new Error("an empty X display passed the check");
  return found.join("; ");
});

let wallApp;
// No report on schedule: the one in the archive must be the one the click made.
const UNSCHEDULED = { COMMANDWALL__REPORT__SCHEDULED: "false" };
await check(`the wall window fills the ${W}x${H} display and draws a rendered wall (figures and charts, not the loading screen)`, async () => {
  const app = wallApp = start(dir, "window", bin, ["--database", db, "desktop", "--wall", "--demo"], {
    env: { ...process.env, DISPLAY: display, ...UNSCHEDULED },
  });
  // Poll until the picture passes, then take the one we keep a moment later, so the charts
  // that arrive after the figures are in it.
  let last;
  await waitFor("a screenshot that passes", async () => {
    if (app.exitCode !== null || app.signalCode !== null) throw new Error(`the window exited (${app.exitCode ?? app.signalCode}): ${app.err.slice(-2000)}`);
    last = await problems(await screenshot());
    return !last.found.length;
  }, { timeout: 60_000, every: 1000 }).catch((e) => {
    throw new Error(`${e.message}\n${last ? `last screenshot: ${last.found.join("; ")}` : ""}\nlog: ${path.join(dir, "window.log")}`);
  });
  await sleep(3000);
  const file = await screenshot();
  const { found, summary } = await problems(file);
  if (screenshotDir) {
    fs.mkdirSync(screenshotDir, { recursive: true });
    fs.copyFileSync(file, path.join(screenshotDir, `wall-window-${W}x${H}.png`));
  }
  if (found.length) throw new Error(found.join("; "));
  return summary;
});

// The desk's 上周周报 button clicked with the mouse in the real window: where the button is
// comes from the same page laid out in Chromium at the window's size (served from the same
// database), and the report must appear in the archive beside the database.
await check("a mouse click on 上周周报 in the desk window makes last week's report into the archive", async () => {
  if (wallApp) await stop(wallApp);
  const [DW, DH] = [1600, 900]; // the desk window's inner size (src-tauri/doors/window.rs)
  const token = crypto.randomBytes(16).toString("hex");
  const server = start(dir, "serve", bin, ["--database", db, "serve", "--bind", "127.0.0.1:0", "--token", token], { env: { ...process.env, ...UNSCHEDULED } });
  const base = await waitFor("the server's address", () => server.out.match(/serving the wall on (http:\/\/[^/\s]+)\//)?.[1], { timeout: 20_000 });
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  onCleanup(() => browser.close());
  const page = await (await browser.newContext({ viewport: { width: DW, height: DH } })).newPage();
  await page.goto(`${base}/?token=${token}`);
  await page.waitForSelector("#report", { state: "visible", timeout: 20_000 });
  const box = await page.locator("#report").boundingBox();
  await browser.close();
  await stop(server);

  const onDisplay = { env: { ...process.env, DISPLAY: display } };
  const archive = path.join(dir, "reports");
  if (fs.existsSync(archive) && fs.readdirSync(archive).length) throw new Error(`the archive is not empty before the click: ${fs.readdirSync(archive)}`);
  const app = start(dir, "desk", bin, ["--database", db, "desktop"], { env: { ...onDisplay.env, ...UNSCHEDULED } });
  const id = await waitFor("the desk window", async () => {
    if (app.exitCode !== null) throw new Error(`the window exited: ${app.err.slice(-2000)}`);
    const r = await must("xdotool", ["search", "--onlyvisible", "--name", "Command Wall"], onDisplay).catch(() => null);
    return r?.out.trim().split("\n")[0];
  }, { timeout: 60_000, every: 500 });
  const geometry = Object.fromEntries((await must("xdotool", ["getwindowgeometry", "--shell", id], onDisplay)).out.trim().split("\n").map((l) => l.split("=")));
  // Time for the page to load and lay out before the click.
  await sleep(5000);
  const [x, y] = [Number(geometry.X) + box.x + box.width / 2, Number(geometry.Y) + box.y + box.height / 2].map(Math.round);
  if (fs.existsSync(archive) && fs.readdirSync(archive).length) throw new Error(`a report was made before the click: ${fs.readdirSync(archive)}`);
  await must("xdotool", ["mousemove", "--sync", String(x), String(y), "click", "1"], onDisplay);
  const made = await waitFor("a PDF in the archive", () => {
    if (!fs.existsSync(archive)) return false;
    const weeks = fs.readdirSync(archive).filter((w) => /^\d{4}-W\d{2}$/.test(w));
    for (const w of weeks) {
      const f = path.join(archive, w, `report-${w}.pdf`);
      if (fs.existsSync(f) && fs.statSync(f).size > 0) return f;
    }
    return false;
  }, { timeout: 90_000, every: 500 });
  const text = (await must("pdftotext", [made, "-"])).out.replace(/\s+/g, "");
  const week = path.basename(path.dirname(made));
  if (!text.includes(`（${week}）`)) throw new Error(`${made} does not name ${week}: ${text.slice(0, 300)}`);
  await stop(app);
  return `clicked at ${x},${y} (window ${geometry.WIDTH}x${geometry.HEIGHT} at ${geometry.X},${geometry.Y}); ${path.relative(dir, made)}, ${fs.statSync(made).size} bytes`;
});

await finish(0);
