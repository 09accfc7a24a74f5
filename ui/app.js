// One UI for the Tauri window and for browsers: figures come from the core through
// whichever door the page was opened by. Everything from the database is set as text.
"use strict";

const I18N = {
  "zh-CN": {
    title: "110 指挥大屏", calls_today: "今日呼入量", answered_today: "今日接听",
    incidents_today: "今日警情", as_of: "数据截至", switch: "English",
    stale: (since) => `⚠ 数据已中断 自 ${since}`, unreachable: "⚠ 数据库无法访问",
    last_call: (t) => `最近来电 ${t}`, loading: "正在计算指标…",
  },
  en: {
    title: "110 Command Wall", calls_today: "Calls today", answered_today: "Answered today",
    incidents_today: "Incidents today", as_of: "Data as of", switch: "中文",
    stale: (since) => `⚠ Data feed stopped since ${since}`, unreachable: "⚠ Database unreachable",
    last_call: (t) => `Last call ${t}`, loading: "Computing the figures…",
  },
};

let lang = localStorage.getItem("lang") || "zh-CN";
let last = null;
let lastError = null;

// The page was opened with ?token=… by `commandwall serve`; the Tauri window needs none.
const token = new URLSearchParams(location.search).get("token") || "";

async function fetchState() {
  if (window.__TAURI__) {
    return window.__TAURI__.core.invoke("wall_state");
  }
  const res = await fetch("api/state", {
    headers: { Accept: "application/json", Authorization: `Bearer ${token}` },
  });
  if (!res.ok) throw { code: "http", message: `${res.status} ${res.statusText}` };
  return res.json();
}

/// A whole-centre figure of one window of the snapshot, or null.
function figure(state, windowKey, key) {
  const w = state.snapshot && state.snapshot.windows.find((x) => x.key === windowKey);
  const m = w && w.cuts[0].report.metrics.find((x) => x.key === key);
  return m ? m.value : null;
}

function timeIn(ms, tz) {
  return new Intl.DateTimeFormat(lang, {
    timeZone: tz, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  }).format(new Date(ms));
}

function number(n) {
  return new Intl.NumberFormat(lang).format(n);
}

function setText(id, text) {
  document.getElementById(id).textContent = text;
}

function render() {
  const t = I18N[lang];
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t[el.dataset.i18n]; });
  setText("lang", t.switch);
  const banner = document.getElementById("stale");
  if (!last) {
    banner.hidden = !lastError;
    if (lastError) banner.textContent = t.unreachable;
    return;
  }
  const tz = last.time_zone;
  setText("centre", last.centre);
  const show = (id, key) => {
    const v = figure(last, "day_so_far", key);
    setText(id, v === null ? "—" : number(v));
  };
  show("calls_today", "calls");
  show("answered_today", "answered");
  show("incidents_today", "incidents");
  setText("as_of", last.snapshot ? timeIn(last.snapshot.as_of, tz) : "--:--:--");
  setText("last_call", last.last_call ? t.last_call(timeIn(last.last_call, tz)) : "");
  const stale = last.stale !== null || lastError !== null;
  document.body.classList.toggle("stale", stale);
  // Until the engine's first build is done (seconds on a large database) say so, rather
  // than show dashes that look like a fault.
  const loading = !stale && !last.snapshot;
  banner.hidden = !stale && !loading;
  banner.classList.toggle("info", loading);
  if (loading) banner.textContent = t.loading;
  if (stale) {
    banner.textContent = lastError
      ? t.unreachable
      : last.stale.code === "feed_silent"
        ? t.stale(timeIn(last.stale.since, tz))
        : `${t.unreachable}: ${last.stale.reason}`;
  }
}

async function tick() {
  try {
    last = await fetchState();
    lastError = null;
  } catch (e) {
    // Keep showing the last good figures, marked stale.
    lastError = e;
  }
  render();
}

function clock() {
  const tz = last ? last.time_zone : "Asia/Shanghai";
  setText("clock", timeIn(Date.now(), tz));
}

document.getElementById("lang").addEventListener("click", () => {
  lang = lang === "zh-CN" ? "en" : "zh-CN";
  localStorage.setItem("lang", lang);
  render();
});
if (new URLSearchParams(location.search).has("wall")) document.body.classList.add("wall");

tick();
clock();
setInterval(tick, 1000);
setInterval(clock, 1000);
