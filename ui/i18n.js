// The UI's words in both languages. Figure names are not here: they come with the
// server's settings (`settings.figures`), so a figure the core adds is named by the core.
// Every number in a sentence that the server decides (thresholds, refresh periods) is a
// parameter, filled from the settings.

export const I18N = {
  "zh-CN": {
    title: "110 指挥大屏", as_of: "数据截至", switch: "English", close: "关闭",
    p_overview: "总览", p_response: "响应", p_diversion: "分流", p_repeat: "重复警情", p_seats: "席位与警力",
    f_period: "时段", f_zone: "辖区", f_category: "类别", f_channel: "渠道", f_apply: "查询", f_reset: "复位",
    w_day: "今日", w_week: "本周", w_month: "本月", w_year: "本年", w_range: "自定义", all: "全部",
    to_wall: "大屏模式", to_desk: "桌面模式",
    c_hourly: "今日逐时呼入量 · 对比上周同日、去年同期", c_hourly_all: "（全中心，不随筛选变化）", c_sign_for: "签收用时分布（今日）",
    c_arrival: "到场用时分布（今日）", c_funnel: "110 → 12345 分流（今日）", c_categories: "今日警情类别",
    h_zones: "各巡区快速反应圈达标率（今日）", h_lagging: "未达标巡区", h_overdue: "超时未办结工单（全部在办）",
    h_callers: "一人多报", h_places: "一地多报", h_seats: "接警席位（今日）", h_units: "警力",
    t_order: "工单", t_category: "类别", t_zone: "辖区", t_department: "承办单位", t_due: "时限",
    t_overdue_by: "已超时", t_caller: "来电号码", t_place: "地点", t_week: "7天", t_month: "30天",
    t_year: "365天", t_last: "最近", t_seat: "席位", t_calls: "呼入", t_answered: "接听", t_abandoned: "呼损",
    t_answer_avg: "平均接听", t_answer_p90: "P90接听", t_incident: "警情编号",
    t_priority: "级别", t_unit: "处警单位", t_created: "接报", t_sign_for: "签收", t_arrival: "到场", t_circle: "反应圈",
    yoy: "同比", pop: "环比", meets: "✓ 达标", misses: "✗ 未达标", target: "目标",
    stale: (since) => `⚠ 数据已中断 · 自 ${since} 起未更新，显示的是最后一次数据`,
    unreachable: (since, why) => `⚠ 数据已中断 · 自 ${since} 起数据库无法访问（${why}）`,
    lost: "⚠ 数据已中断 · 与服务器的连接已断开，正在重连",
    loading: "正在计算指标…", bad_token: "⚠ 访问令牌无效，无法读取数据（请使用服务启动时给出的完整地址）",
    last_call: (t) => `最近来电 ${t}`, n_found: (n, shown) => (n > shown ? `共 ${n} 个，显示前 ${shown} 个` : `共 ${n} 个`),
    screened: (t, r) => `筛查时间 ${t} · 近7天≥${r.per_week}次、30天≥${r.per_month}次或一年≥${r.per_year}次`,
    not_screened: "正在筛查近一年来电…",
    busy: (n, all) => `出警中 ${n} / ${all}`, open_n: (n) => `在办 ${n} 起`, idle: "空闲",
    since: (t) => `自 ${t}`, circle_min: (m) => `${m}分钟圈`, n: (n) => `n=${n}`,
    filtered: (what, s) => `筛选：${what}（桌面查询，每 ${s} 秒刷新）`, drill: (z) => `${z} · 警情明细`,
    none: "无", yes: "✓", no: "✗", history: "历次报警",
  },
  en: {
    title: "110 Command Wall", as_of: "Data as of", switch: "中文", close: "Close",
    p_overview: "Overview", p_response: "Response", p_diversion: "Diversion", p_repeat: "Repeat calls", p_seats: "Seats & units",
    f_period: "Period", f_zone: "Zone", f_category: "Category", f_channel: "Channel", f_apply: "Apply", f_reset: "Reset",
    w_day: "Today", w_week: "This week", w_month: "This month", w_year: "This year", w_range: "Range", all: "All",
    to_wall: "Wall mode", to_desk: "Desk mode",
    c_hourly: "Calls per hour today · vs same weekday last week and last year", c_hourly_all: " (whole centre, not filtered)", c_sign_for: "Sign-for time (today)",
    c_arrival: "Arrival time (today)", c_funnel: "110 → 12345 diversion (today)", c_categories: "Today's calls by category",
    h_zones: "Response-circle rate by zone (today)", h_lagging: "Zones below target", h_overdue: "Open work orders past their limit",
    h_callers: "One caller, many reports", h_places: "One place, many reports", h_seats: "Call-taker seats (today)", h_units: "Units",
    t_order: "Order", t_category: "Category", t_zone: "Zone", t_department: "Department", t_due: "Due",
    t_overdue_by: "Overdue by", t_caller: "Caller", t_place: "Place", t_week: "7 d", t_month: "30 d",
    t_year: "365 d", t_last: "Last", t_seat: "Seat", t_calls: "Calls", t_answered: "Answered", t_abandoned: "Abandoned",
    t_answer_avg: "Avg answer", t_answer_p90: "P90 answer", t_incident: "Incident",
    t_priority: "Priority", t_unit: "Unit", t_created: "Received", t_sign_for: "Sign-for", t_arrival: "Arrival", t_circle: "Circle",
    yoy: "YoY", pop: "PoP", meets: "✓ on target", misses: "✗ below target", target: "target",
    stale: (since) => `⚠ Data feed stopped · no update since ${since}; showing the last figures`,
    unreachable: (since, why) => `⚠ Data feed stopped · database unreachable since ${since} (${why})`,
    lost: "⚠ Data feed stopped · connection to the server lost, reconnecting",
    loading: "Computing the figures…", bad_token: "⚠ Invalid access token: no figures (open the full address the server printed)",
    last_call: (t) => `Last call ${t}`, n_found: (n, shown) => (n > shown ? `${n} found, first ${shown} shown` : `${n} found`),
    screened: (t, r) => `Screened ${t} · ≥${r.per_week} in 7 days, ≥${r.per_month} in 30 or ≥${r.per_year} in a year`,
    not_screened: "Screening the year's calls…",
    busy: (n, all) => `${n} of ${all} busy`, open_n: (n) => `${n} open`, idle: "available",
    since: (t) => `since ${t}`, circle_min: (m) => `${m}-min circle`, n: (n) => `n=${n}`,
    filtered: (what, s) => `Filtered: ${what} (desk query, refreshed every ${s} s)`, drill: (z) => `${z} · incidents`,
    none: "none", yes: "✓", no: "✗", history: "Earlier reports",
  },
};

/** The language asked for, if we have it; Chinese otherwise. */
export const pickLang = (wanted) => (Object.hasOwn(I18N, wanted ?? "") ? wanted : "zh-CN");

/** A figure's name as the server gave it (the key itself for one it did not name). */
export function figureName(settings, lang, key) {
  const f = settings && Object.hasOwn(settings.figures, key) ? settings.figures[key] : null;
  return f ? f[lang === "zh-CN" ? "zh" : "en"] : key;
}
