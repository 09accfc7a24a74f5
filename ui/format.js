// How values read (Chinese number habits, wall-design.md). Formatting only: every value,
// grade and trend arrives computed by the core.

const missing = (v) => v === null || v === undefined;

/**
 * The formatters for one rendering: the language, the mode (the wall writes large counts
 * in 万), the centre's time zone and the code → name lists come from what is on show.
 */
export function formatter({ lang, wall, state, settings }) {
  const zh = lang === "zh-CN";
  const timeZone = (state && state.time_zone) || (settings && settings.time_zone);
  const names = state && state.pages ? state.pages.names : null;

  const count = (v) => {
    if (missing(v)) return "—";
    if (wall && zh && Math.abs(v) >= 100000) return `${(v / 10000).toFixed(1)}万`;
    return new Intl.NumberFormat(lang).format(Math.round(v));
  };

  const share = (v) => (missing(v) ? "—" : `${(v * 100).toFixed(1)}%`);

  const secs = (v) => {
    if (missing(v)) return "—";
    const s = Math.round(v);
    if (s < 60) return zh ? `${s}秒` : `${s} s`;
    if (s < 3600) {
      const m = Math.floor(s / 60), r = s % 60;
      return zh ? `${m}分${r ? `${r}秒` : ""}` : `${m} min${r ? ` ${r} s` : ""}`;
    }
    if (s < 86400) {
      const h = Math.floor(s / 3600), m = Math.round((s % 3600) / 60);
      return zh ? `${h}小时${m ? `${m}分` : ""}` : `${h} h${m ? ` ${m} min` : ""}`;
    }
    // Work orders take days: 2天5小时.
    const d = Math.floor(s / 86400), h = Math.round((s % 86400) / 3600);
    return zh ? `${d}天${h ? `${h}小时` : ""}` : `${d} d${h ? ` ${h} h` : ""}`;
  };

  return {
    count,
    share,
    secs,
    /** A value in its unit as the core names it: "share", "seconds" or a count. */
    value: (unit, v) => (unit === "share" ? share(v) : unit === "seconds" ? secs(v) : count(v)),

    /**
     * hh:mm:ss in the centre's zone (from the settings or the state; "--:--:--" before either);
     * `withDate` adds the day, "short" the day without the seconds, "hm" only hh:mm.
     */
    time(ms, withDate) {
      if (missing(ms)) return "—";
      if (!timeZone) return "--:--:--";
      const o = { timeZone, hour: "2-digit", minute: "2-digit", hour12: false };
      if (withDate !== "short" && withDate !== "hm") o.second = "2-digit";
      if (withDate && withDate !== "hm") Object.assign(o, { month: "2-digit", day: "2-digit" });
      return new Intl.DateTimeFormat(lang, o).format(new Date(ms));
    },

    /** A zone's, category's or channel's name in the language; the code if unknown. */
    name(kind, code) {
      if (!code) return "—";
      const l = names && names[kind] ? names[kind].find((x) => x.code === code) : null;
      return l ? (zh ? l.zh : l.en) : code;
    },

    /** "同比 ↑3.2%": the arrow is the core's; no base (or a base of 0) reads "—". */
    change(label, c) {
      if (missing(c.pct)) return `${label} —`;
      // A change that rounds to 0.0% reads as level, not as a move either way.
      if (level(c)) return `${label} →0.0%`;
      const arrow = { up: "↑", down: "↓", flat: "→", none: "" }[c.arrow];
      return `${label} ${arrow}${Math.abs(c.pct).toFixed(1)}%`;
    },
  };
}

/** A change shown as level: no base, or one that rounds to 0.0%. */
export const level = (c) => missing(c.pct) || Math.abs(c.pct) < 0.05;

/** The class for good/bad as the core judged it (never by the sign of a change). */
export const tone = (good) => (good === true ? "good" : good === false ? "bad" : "neutral");
