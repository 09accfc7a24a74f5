// What both end-to-end tests share: the binary, a scratch directory, child processes that
// are always ended (on success, failure, timeout or Ctrl-C), TAP-like reporting, polling.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const bin = path.resolve(process.env.COMMANDWALL_BIN || "target/debug/commandwall");
export const screenshotDir = process.env.SCREENSHOT_DIR ? path.resolve(process.env.SCREENSHOT_DIR) : null;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let label = "e2e";
let workDir = null;
/** A fresh directory per run; removed when the run passes, kept (for its logs) when not. */
export function scratch(name) {
  label = name;
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), `commandwall-${name}-`));
  return workDir;
}

const children = new Set();
const hooks = [];
let failed = 0;
let passed = 0;

/** Runs `fn` (async) before exiting, e.g. to close the browser. */
export function onCleanup(fn) {
  hooks.push(fn);
}

/**
 * Signals a child's whole process group: every child is started as the leader of one, so
 * that what it starts in turn (the window's WebKit helpers) ends with it.
 */
function signal(pid, sig) {
  try {
    process.kill(-pid, sig);
  } catch {} // already gone
}

function killAll() {
  for (const c of children) signal(c.pid, "SIGKILL");
  // Chromium too runs in a group of its own (playwright starts it detached); if its close
  // was cut short it could outlive us, so end every group led by a child of ours.
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const [ppid, pgrp] = fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ").slice(1, 3).map(Number);
      if (ppid === process.pid && pgrp === Number(pid)) signal(pgrp, "SIGKILL");
    } catch {} // gone meanwhile
  }
}
// A last resort when node exits by any path: no child may outlive the test.
process.on("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => finish(130, `interrupted (${sig})`));
// Anything thrown outside a check (the browser does not start, a backfill fails) ends the
// run as a failure that says what happened, with the children ended all the same.
process.on("uncaughtException", (e) => finish(1, `error: ${e?.stack ?? e}`));
process.on("unhandledRejection", (e) => finish(1, `error: ${e?.stack ?? e}`));

/**
 * Starts a long-running child; its stdout and stderr go to DIR/NAME.log and are kept in
 * `out`/`err` for the test to read (e.g. the address the server prints).
 */
export function start(dir, name, cmd, args, opts = {}) {
  const log = fs.createWriteStream(path.join(dir, `${name}.log`));
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], detached: true, ...opts });
  child.out = "";
  child.err = "";
  child.stdout?.on("data", (d) => { child.out += d; log.write(d); });
  child.stderr?.on("data", (d) => { child.err += d; log.write(d); });
  child.exited = new Promise((r) => {
    child.on("exit", (code, sig) => {
      // Said at once: what fails next (e.g. "connection refused") would not say why.
      if (!child.stopping && !finishing) console.log(`# ${name} exited unexpectedly (${code ?? sig})`);
      r(code ?? sig);
    });
    child.on("error", (e) => { child.err += String(e); r(-1); });
  });
  children.add(child);
  return child;
}

/** Ends one child (and its group) and waits until it is gone. */
export async function stop(child, sig = "SIGTERM") {
  child.stopping = true;
  signal(child.pid, sig);
  await child.exited;
  signal(child.pid, "SIGKILL"); // anything of its group still left
  children.delete(child);
}

/** Runs a command to completion: { code, out, err }. */
export async function run(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], detached: true, ...opts });
  children.add(child);
  let out = "", err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const code = await new Promise((r) => {
    child.on("error", (e) => { err += String(e); r(-1); });
    child.on("exit", (c, s) => r(c ?? s));
  });
  children.delete(child);
  return { code, out, err };
}

/** Runs a command that must succeed; throws with its stderr otherwise. */
export async function must(cmd, args, opts) {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${path.basename(cmd)} ${args.join(" ")} failed (${r.code}): ${r.err || r.out}`);
  return r;
}

/** Polls `fn` until it returns a truthy value; throws `what` after `timeout` ms. */
export async function waitFor(what, fn, { timeout = 10_000, every = 100 } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`${what} (waited ${timeout / 1000} s${last instanceof Error ? `; last error: ${last.message}` : ""})`);
    await sleep(every);
  }
}

/** One check: prints `ok - NAME` or `not ok - NAME` with the reason; never throws. */
export async function check(name, fn) {
  try {
    const note = await fn();
    passed++;
    console.log(`ok - ${name}${note ? ` (${note})` : ""}`);
    return true;
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}\n  # ${String(e?.message ?? e).replaceAll("\n", "\n  # ")}`);
    return false;
  }
}

/** Ends the whole test after `ms` with a clear message, whatever it is waiting for. */
export function deadline(ms, what) {
  setTimeout(() => finish(1, `${what} timed out after ${ms / 1000} s`), ms).unref();
}

let finishing = false;
/** Closes what is open, ends every child, prints the tally and exits. */
export async function finish(code = 0, message) {
  if (finishing) return;
  finishing = true;
  if (message) {
    failed++;
    console.log(`not ok - ${message.replaceAll("\n", "\n  # ")}`);
  }
  for (const h of hooks) await Promise.race([h().catch(() => {}), sleep(5000)]);
  killAll();
  const status = failed ? 1 : code;
  if (workDir && !status) fs.rmSync(workDir, { recursive: true, force: true });
  else if (workDir) console.log(`# logs and database kept in ${workDir}`);
  console.log(`${label}: ${passed} passed, ${failed} failed`);
  process.exit(status);
}

/**
 * A one-row CAD export: the real file's header and its first plain row, with a fresh
 * incident number and every timestamp shifted by the same amount (so the stages keep their
 * order) so that Incident_Start_Time is `now` in the export's zone, New York.
 */
export function oneRowCsv(src, id, now) {
  const [header, ...rows] = fs.readFileSync(src, "utf8").split(/\r?\n/);
  const cols = header.split(",");
  const stamp = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/;
  const naive = (v) => Date.parse(`${v.replace(" ", "T")}Z`); // wall-clock time as if UTC
  const format = (ms) => new Date(ms).toISOString().replace("T", " ").replace("Z", "");
  const startCol = cols.indexOf("Incident_Start_Time");
  const row = rows.map((r) => r.split(",")).find((r) => r.length === cols.length && stamp.test(r[startCol]));
  const p = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: "America/New_York", hourCycle: "h23",
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    }).formatToParts(now).map((x) => [x.type, Number(x.value)]),
  );
  const nyNow = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second, now % 1000);
  const shift = nyNow - naive(row[startCol]);
  const out = row.map((v, i) => (cols[i] === "Master_Incident_Number" ? id : stamp.test(v) ? format(naive(v) + shift) : v));
  return `${header}\n${out.join(",")}\n`;
}
