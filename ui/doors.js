// The two doors the page can be opened by: the Tauri window (commands through
// `window.__TAURI__.core.invoke`) or a browser on `commandwall serve` (HTTP with the
// token the server printed, as a Bearer header). Everything else in the UI is the same.

const tauri = window.__TAURI__ ? window.__TAURI__.core : null;
// The page was opened with ?token=… by `commandwall serve`; the Tauri window needs none.
const token = new URLSearchParams(location.search).get("token") || "";

export const inWindow = !!tauri;

/** Failures are `{kind: "token"}` (a refused token) or `{kind: "http"|"lost", message}`. */
async function api(path) {
  const res = await fetch(path, { headers: { Accept: "application/json", Authorization: `Bearer ${token}` } });
  if (res.status === 401) throw { kind: "token", message: "401" };
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try { message = (await res.json()).message || message; } catch (_) { /* not JSON */ }
    throw { kind: "http", message };
  }
  return res;
}

const query = (q) => new URLSearchParams(q).toString();

/** The server's settings for the UI (periods, limits, thresholds, figure names): once. */
export const fetchSettings = () => (tauri ? tauri.invoke("ui_settings") : api("api/settings").then((r) => r.json()));
export const fetchState = () => (tauri ? tauri.invoke("wall_state") : api("api/state").then((r) => r.json()));
export const fetchRepeat = () => (tauri ? tauri.invoke("repeat_page") : api("api/repeat").then((r) => r.json()));
export const fetchChart = (key) => (tauri
  ? tauri.invoke("chart", { key })
  : api(`api/charts/${encodeURIComponent(key)}`).then((r) => r.text()));
export const fetchDesk = (q) => (tauri
  ? tauri.invoke("desk_query", { query: q })
  : api(`api/desk?${query(q)}`).then((r) => r.json()));
export const fetchIncidents = (zone, q) => (tauri
  ? tauri.invoke("zone_incidents", { zone, query: q })
  : api(`api/zones/${encodeURIComponent(zone)}/incidents?${query(q)}`).then((r) => r.json()));

/**
 * Last week's report (周报) in `format` (pdf, xlsx, csv). The window makes it into the
 * centre's archive, opens it, and resolves to its path; a browser downloads it and
 * resolves to the file's name. Rejects with `{code, message}`.
 */
export async function makeReport(format, lang) {
  if (tauri) {
    try {
      return await tauri.invoke("weekly_report", { query: { format, lang } });
    } catch (e) {
      throw failure(e, "report");
    }
  }
  let res;
  try {
    res = await api(`api/report?${query({ format, lang })}`);
  } catch (e) {
    throw failure(e, "report");
  }
  const disposition = res.headers.get("Content-Disposition") || "";
  const name = (disposition.match(/filename="([^"]+)"/) || [])[1] || `report.${format}`;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}

/** The alerts' audit between two times (ms), oldest first: anyone who may read the wall. */
export const fetchAlertHistory = (from, to) => (tauri
  ? tauri.invoke("alert_history", { from, to })
  : api(`api/alerts/history?${query({ from, to })}`).then((r) => r.json()));

/** A failure as `{code, message}`, whatever shape the door gave it. */
const failure = (e, fallback) => (e && typeof e === "object" && e.message
  ? { code: e.code || "error", message: String(e.message) }
  : { code: "error", message: e ? String(e) : fallback });

/**
 * A commander acknowledges (`action` "ack") or silences ("silence") alert `id`; `body` is
 * `{comment}` or `{comment, minutes}`. In the window the commander is named (`who.by`, one
 * of `state.alerts.commanders`); in a browser their own token says who they are
 * (`who.token`, sent only as a header, never in the address). Resolves to the audit
 * event; rejects with `{code, message}` (the wall's token: "read_only").
 */
export async function alertAction(action, id, body, who) {
  if (tauri) {
    try {
      return await tauri.invoke(`alert_${action}`, { id, by: who.by, ...body });
    } catch (e) {
      throw failure(e, "refused");
    }
  }
  let res;
  try {
    res = await fetch(`api/alerts/${encodeURIComponent(id)}/${action}`, {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json", Authorization: `Bearer ${who.token}` },
      body: JSON.stringify(body),
    });
  } catch (e) {
    throw { code: "lost", message: String((e && e.message) || e) };
  }
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch (_) { /* not JSON */ }
  if (!res.ok) {
    throw {
      code: (json && json.code) || (res.status === 401 ? "token" : `http_${res.status}`),
      status: res.status,
      message: (json && json.message) || text.trim() || `${res.status} ${res.statusText}`,
    };
  }
  return json;
}

/** Tells the window to go full screen or back; a browser is left as it is. */
export function setWall(on) {
  if (tauri) tauri.invoke("set_wall", { on }).catch(() => {});
}

/**
 * Follows the state: the window asks the core every `refresh_ms`; a browser follows the
 * live stream. Either way a page that hears nothing for `stale_after_ms` says so instead
 * of looking fresh: `onFail({kind: "lost"})`. A refused token is `onFail({kind: "token"})`
 * and ends the listening.
 */
export function follow(settings, onState, onFail) {
  let lastHeard = 0;
  let failed = false;
  let refused = false;
  const heard = (s) => {
    lastHeard = Date.now();
    failed = false;
    onState(s);
  };
  const fail = (e) => {
    failed = true;
    refused = !!e && e.kind === "token";
    onFail(refused ? { kind: "token" } : { kind: "lost", message: e && e.message });
  };
  const silent = () => Date.now() - lastHeard > settings.stale_after_ms;

  if (tauri) {
    const poll = () => fetchState().then(heard, fail);
    poll();
    setInterval(poll, settings.refresh_ms);
    return;
  }
  let stream = null;
  let opened = 0;
  const listen = () => {
    if (stream) stream.close();
    opened = Date.now();
    stream = new EventSource(`api/events?token=${encodeURIComponent(token)}`);
    stream.addEventListener("state", (ev) => heard(JSON.parse(ev.data)));
  };
  // Ask once first: a refused token is told apart from a lost connection.
  fetchState().then(heard, fail).finally(() => {
    if (!refused) listen();
  });
  // The server sends a state every `refresh_ms`. A silent stream is opened anew: EventSource
  // retries a dropped connection by itself but gives up for good on an HTTP error (a
  // proxy's 502 while the server restarts), and a half-open connection (a sleeping laptop,
  // a proxy holding on) never errors at all. So a wall comes back by itself.
  setInterval(() => {
    if (refused || !silent()) return;
    if (lastHeard && !failed) fail({ kind: "lost" });
    if (Date.now() - opened >= settings.stale_after_ms) listen();
  }, settings.refresh_ms);
}
