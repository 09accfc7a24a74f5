//! Alerts between the store and the core: reads what the rules look at, runs them each
//! tick, appends every transition to the audit, and takes a commander's acknowledgement or
//! silence — the one write a door may ask for. The audit is the truth: the book is rebuilt
//! from it at start, and rows other processes append (`commandwall alerts ack`) are folded
//! in at the next tick.

use serde::Serialize;

use crate::config::Config;
use crate::core::alerts::lifecycle::{ActionError, Actor, Alert, Book, Event, State};
use crate::core::alerts::observe::{observe, Flag, HourVolume, Inputs, OpenOrder};
use crate::core::alerts::rule::{Level, Rule, RuleKind};
use crate::core::kpi::engine::Snapshot;
use crate::core::kpi::vocabulary::Figure;
use crate::core::model::Millis;
use crate::core::time::{local_date, local_to_utc, utc};
use crate::core::wall::pages::RepeatPage;
use crate::store::{Store, StoreError};

const HOUR: Millis = 3_600_000;
const WEEK: Millis = 7 * 24 * HOUR;
/// A caller or place that crossed a repeat threshold stays an alert this long after the
/// call that crossed it.
const REPEAT_RECENT: Millis = 24 * HOUR;
/// A call ringing longer than this is a record never closed by the source, not a caller
/// still waiting.
const WAITING_HORIZON: Millis = HOUR;
/// An order past its limit for longer than this has had its alert; it stays on the
/// diversion page's overdue list, not on the alert banner.
const ORDER_HORIZON: Millis = HOUR;
/// Resolved alerts the doors list beside the active ones.
const RECENT_HISTORY: Millis = 24 * HOUR;

/// One alert as the doors show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertView {
    #[serde(flatten)]
    pub alert: Alert,
    pub kind: &'static str,
    /// The wall page that holds it (where rotation jumps to).
    pub page: &'static str,
    /// The tile that flashes, if any.
    pub figure: Option<Figure>,
    /// The zone cell that flashes, if any.
    pub zone: Option<String>,
    /// A threshold's live window and limit, for the wall to say them in its language.
    pub window: Option<String>,
    pub limit: Option<f64>,
    /// On the wall now (firing or acknowledged, not silenced).
    pub on_wall: bool,
    /// Sound the chime: orange or red, firing and not silenced.
    pub chime: bool,
}

/// Active alerts (most severe first) and the latest resolved ones.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AlertsView {
    pub active: Vec<AlertView>,
    pub recent: Vec<AlertView>,
    /// Whether the wall chimes at all (the centre's setting).
    pub chime_enabled: bool,
    /// Who may acknowledge, for the window's dialog.
    pub commanders: Vec<String>,
}

/// Why an action was refused.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error(transparent)]
    Refused(#[from] ActionError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AlertError {
    pub fn code(&self) -> &'static str {
        match self {
            AlertError::Refused(ActionError::NoSuchAlert(_)) => "no_such_alert",
            AlertError::Refused(_) => "refused",
            AlertError::Store(e) => e.code(),
        }
    }
}

/// The rules and their book, owned by the live loop.
pub struct Alerting {
    rules: Vec<Rule>,
    book: Book,
    /// The last audit row folded into the book.
    seen: i64,
    /// Audit rows this book appended itself (already in it), not to be folded in again.
    own: std::collections::BTreeSet<i64>,
    /// Transitions the store could not take yet (the database unreachable): appended, in
    /// order, as soon as it can, so the audit loses none.
    unwritten: Vec<Event>,
    chime: bool,
    commanders: Vec<String>,
    /// When the live loop last saw a call arrive (`heard_at`); `None` until it says.
    heard: Option<Option<Millis>>,
}

impl Alerting {
    /// When the live loop last saw a call arrive. The feed rule judges silence by it, not by
    /// the newest call's own time, which a record dated ahead of the clock would keep
    /// "recent" for as long as it is ahead. Without a loop to say (a test), it takes the
    /// newest call's time.
    pub fn heard_at(&mut self, at: Option<Millis>) {
        self.heard = Some(at);
    }

    /// The book as the audit left it.
    pub async fn start(
        store: &Store,
        config: &Config,
        now: Millis,
    ) -> Result<Alerting, StoreError> {
        let (rows, seen) = store.alert_events_for_book(now - RECENT_HISTORY).await?;
        Ok(Alerting {
            seen,
            ..Alerting::with_book(config, Book::replay(&rows))
        })
    }

    /// The rules and commanders of `config` over `book`, nothing yet seen or written.
    fn with_book(config: &Config, book: Book) -> Alerting {
        Alerting {
            rules: config.alert_rules(),
            book,
            seen: 0,
            own: Default::default(),
            unwritten: Vec::new(),
            chime: config.alerts.chime,
            commanders: config
                .alerts
                .commanders
                .iter()
                .map(|c| c.name.clone())
                .collect(),
            heard: None,
        }
    }

    /// One evaluation at `now`: folds in rows other processes appended, reads what the
    /// rules need, steps the book and appends its transitions (or keeps them to append when
    /// the database answers again).
    pub async fn tick(
        &mut self,
        store: &Store,
        config: &Config,
        snapshot: Option<&Snapshot>,
        repeat: Option<&RepeatPage>,
        db_error: Option<String>,
        now: Millis,
    ) -> Result<(), StoreError> {
        let mut inputs = Inputs {
            now,
            snapshot,
            db_error,
            ..Inputs::default()
        };
        if inputs.db_error.is_none() {
            self.catch_up(store).await?;
            self.read_inputs(store, config, repeat, now, &mut inputs)
                .await?;
        }
        let book = &self.book;
        let seen = observe(&self.rules, &inputs, &|r, c| book.is_active(r, c));
        let events = self.book.step(&self.rules, &seen, now);
        self.unwritten.extend(events);
        if inputs.db_error.is_none() && !self.unwritten.is_empty() {
            let ids = store.append_alert_events(&self.unwritten).await?;
            self.own.extend(ids);
            self.unwritten.clear();
        }
        Ok(())
    }

    /// Appends what is waiting, and folds in the rows other doors appended since the last
    /// look (an acknowledgement from the command line or a browser desk).
    async fn catch_up(&mut self, store: &Store) -> Result<(), StoreError> {
        if !self.unwritten.is_empty() {
            let ids = store.append_alert_events(&self.unwritten).await?;
            self.own.extend(ids);
            self.unwritten.clear();
        }
        let rows = store.alert_events_after(self.seen).await?;
        for (id, e) in &rows {
            if !self.own.remove(id) {
                self.book.apply(e);
            }
            self.seen = self.seen.max(*id);
        }
        Ok(())
    }

    async fn read_inputs(
        &self,
        store: &Store,
        config: &Config,
        repeat: Option<&RepeatPage>,
        now: Millis,
        inputs: &mut Inputs<'_>,
    ) -> Result<(), StoreError> {
        for rule in &self.rules {
            match &rule.kind {
                RuleKind::Baseline { weeks, .. } if inputs.hour.is_none() => {
                    let first = store.first_call().await?;
                    inputs.hour = hour_volume(store, config, *weeks, first, now).await?;
                }
                RuleKind::WorkOrders { warn_before } => {
                    inputs.open_orders = store
                        .open_orders_due((now - ORDER_HORIZON, now + warn_before))
                        .await?
                        .into_iter()
                        .map(|(id, due)| OpenOrder { id, due })
                        .collect();
                }
                RuleKind::WaitingCalls { .. } => {
                    inputs.waiting_since = store.waiting_calls(now - WAITING_HORIZON, now).await?;
                }
                RuleKind::Feed { .. } => {
                    inputs.last_call = match self.heard {
                        Some(heard) => heard,
                        None => store.last_call().await?,
                    }
                }
                RuleKind::Repeat => inputs.flags = repeat_flags(repeat, config, now),
                _ => {}
            }
        }
        Ok(())
    }

    pub fn view(&self, now: Millis) -> AlertsView {
        let view = |a: &Alert| {
            let rule = self.rules.iter().find(|r| r.id == a.rule);
            let (zone, window, limit) = match rule.map(|r| &r.kind) {
                Some(RuleKind::Threshold {
                    zone, window, fire, ..
                }) => (zone.clone(), Some(window.clone()), Some(*fire)),
                _ => (None, None, None),
            };
            AlertView {
                kind: rule.map_or("", |r| r.kind.name()),
                page: rule.map_or("overview", Rule::page),
                figure: rule.and_then(Rule::figure),
                zone,
                window,
                limit,
                on_wall: a.on_wall(now),
                chime: self.chime
                    && a.on_wall(now)
                    && a.state == State::Firing
                    && a.level.is_loud(),
                alert: a.clone(),
            }
        };
        let mut active: Vec<AlertView> = self.book.active().map(view).collect();
        active.sort_by(|a, b| {
            b.alert
                .level
                .cmp(&a.alert.level)
                .then(a.alert.fired_at.cmp(&b.alert.fired_at))
        });
        AlertsView {
            active,
            recent: self.book.recent().map(view).collect(),
            chime_enabled: self.chime,
            commanders: self.commanders.clone(),
        }
    }
}

/// Calls this local hour so far, and in the same weekday and hour of earlier weeks up to
/// the same minute (equal age), holidays and weeks before the first stored call left out.
/// `None` when fewer than half the rule's weeks have data: a week the database does not
/// cover is not a week of zero calls, and a baseline of two weeks is no baseline.
async fn hour_volume(
    store: &Store,
    config: &Config,
    weeks: u32,
    first_call: Option<Millis>,
    now: Millis,
) -> Result<Option<HourVolume>, StoreError> {
    let Some(first_call) = first_call else {
        return Ok(None);
    };
    let tz = config.tz();
    let local = utc(now).with_timezone(&tz).naive_local();
    let hour = local
        .date()
        .and_hms_opt(chrono::Timelike::hour(&local), 0, 0)
        .expect("an hour of a valid day");
    let start = local_to_utc(tz, hour);
    let into_hour = now - start;
    let count = |from, to| store.count_calls(from, to);
    let current = count(start, now).await? as f64;
    let mut earlier = Vec::new();
    let mut k = 1;
    // Look back far enough to find `weeks` ordinary weeks around a holiday or two.
    while earlier.len() < weeks as usize && k <= weeks as i64 + 4 {
        let from = start - k * WEEK;
        if from < first_call {
            break;
        }
        if crate::core::holidays::holiday(local_date(tz, from)).is_none() {
            earlier.push(count(from, from + into_hour).await? as f64);
        }
        k += 1;
    }
    if earlier.len() * 2 < weeks as usize {
        return Ok(None);
    }
    Ok(Some(HourVolume {
        now: current,
        earlier_weeks: earlier,
    }))
}

/// Callers and places whose latest call, within the last day, brought a count to exactly a
/// threshold: they have just crossed it.
fn repeat_flags(page: Option<&RepeatPage>, config: &Config, now: Millis) -> Vec<Flag> {
    let Some(page) = page else {
        return Vec::new();
    };
    let t = &config.repeat;
    let crossed = |week: u32, month: u32, year: u32| {
        week == t.per_week || month == t.per_month || year == t.per_year
    };
    let callers = page.callers.iter().map(|f| {
        (
            format!("caller:{}", f.who),
            f.week,
            f.month,
            f.year,
            f.last,
            f.category.clone(),
        )
    });
    let places = page.places.iter().map(|p| {
        (
            format!("place:{}", p.flagged.who),
            p.flagged.week,
            p.flagged.month,
            p.flagged.year,
            p.flagged.last,
            p.flagged.category.clone(),
        )
    });
    callers
        .chain(places)
        .filter(|(_, w, m, y, last, _)| now - last <= REPEAT_RECENT && crossed(*w, *m, *y))
        .map(|(cut, w, m, y, _, category)| Flag {
            detail: format!(
                "{} {}: {w} in 7 days, {m} in 30, {y} in a year",
                cut,
                category.unwrap_or_default()
            ),
            cut,
        })
        .collect()
}

/// The book as the audit has it now, so any door in any process judges an action against
/// the same state.
async fn book_now(store: &Store, now: Millis) -> Result<Book, StoreError> {
    let (rows, _) = store.alert_events_for_book(now - RECENT_HISTORY).await?;
    Ok(Book::replay(&rows))
}

/// A commander acknowledges alert `id`; the row is appended by the one store method that
/// writes the audit.
pub async fn acknowledge(
    store: &Store,
    id: u64,
    actor: Actor,
    now: Millis,
) -> Result<Event, AlertError> {
    let event = book_now(store, now).await?.acknowledge(id, actor, now)?;
    store
        .append_alert_events(std::slice::from_ref(&event))
        .await?;
    Ok(event)
}

/// A commander silences alert `id` until `until`.
pub async fn silence(
    store: &Store,
    id: u64,
    actor: Actor,
    until: Millis,
    now: Millis,
) -> Result<Event, AlertError> {
    let event = book_now(store, now).await?.silence(id, actor, until, now)?;
    store
        .append_alert_events(std::slice::from_ref(&event))
        .await?;
    Ok(event)
}

/// The alerts as the audit has them, for a door without a live loop (the command line).
pub async fn current(
    store: &Store,
    config: &Config,
    now: Millis,
) -> Result<AlertsView, StoreError> {
    let a = Alerting::with_book(config, book_now(store, now).await?);
    Ok(a.view(now))
}

/// The highest level on the wall now (for a desktop notification).
pub fn loudest(view: &AlertsView) -> Option<Level> {
    view.active
        .iter()
        .filter(|a| a.on_wall)
        .map(|a| a.alert.level)
        .max()
}
