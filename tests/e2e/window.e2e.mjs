// The real Tauri window (WebKitGTK) in wall mode on a virtual X display: a plain screenshot
// check that it opens full screen on the dark wall background and draws a rendered wall, not
// its loading screen: the band where the pages' tiles (or tables) begin must be full of
// figures and text. The same check is first run on the empty display, where it must fail.
import fs from "node:fs";
import path from "node:path";
import { bin, check, deadline, finish, must, scratch, screenshotDir, sleep, start, waitFor } from "./lib.mjs";

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

await check(`the wall window fills the ${W}x${H} display and draws a rendered wall (figures and charts, not the loading screen)`, async () => {
  const app = start(dir, "window", bin, ["--database", db, "desktop", "--wall", "--demo"], {
    env: { ...process.env, DISPLAY: display },
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

await finish(0);
