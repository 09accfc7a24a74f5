//! The engine's daily sums (`core::kpi::ledger`) kept in the database: those still good are
//! read back, those missing or touched by a change since are computed from the records and
//! kept. Only a cache: when it cannot be written (a read-only copy, a full disk) the engine
//! is built all the same and the next start computes them again.

use chrono_tz::Tz;

use crate::core::kpi::engine::Builder;
use crate::core::kpi::facts::Zones;
use crate::core::kpi::filter::Filter;
use crate::core::kpi::ledger::{digest, DaySum, DaySumBuilder};
use crate::core::kpi::window::Span;
use crate::core::model::Millis;
use crate::store::{Store, StoreError, StoredDaySum};

/// Days read and written together: a month of sums in memory at most.
const CHUNK_DAYS: usize = 31;

/// What giving the sums took.
#[derive(Debug, Clone, Copy, Default)]
pub struct SumStats {
    /// Days whose kept sum was good.
    pub reused: u64,
    /// Days summed from their records (missing, stale or unreadable).
    pub computed: u64,
    /// Days before the first record: nothing to sum.
    pub empty: u64,
}

/// Gives the builder a sum for every day it can take one for: kept where still good as of
/// change `seq`, computed otherwise.
pub async fn give_sums(
    store: &Store,
    b: &mut Builder,
    tz: Tz,
    seq: i64,
) -> Result<SumStats, StoreError> {
    let days = b.summable_days().to_vec();
    let zones = b.zones().clone();
    let digest = digest(tz, &zones);
    // Days before the first record are empty: given as such, never read or kept.
    let first = store.first_anchor().await?.unwrap_or(Millis::MAX);
    let empty = DaySum {
        cuts: vec![Default::default(); 1 + zones.codes.len()],
        late: Vec::new(),
    };
    let mut stats = SumStats::default();
    let mut days = days.as_slice();
    while let Some((day, rest)) = days.split_first().filter(|(d, _)| d.to <= first) {
        b.add_sum(*day, &empty);
        stats.empty += 1;
        days = rest;
    }
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return Ok(stats);
    };
    let range = (first.from, last.to);
    let stamps = match store.day_sum_stamps(&digest, range).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("daily sums could not be read ({e}); summing the days from records");
            Vec::new()
        }
    };
    let changed = changed_since(store, &zones, stamps.iter().map(|s| s.1).min()).await?;
    let good_day = |day: &Span| {
        stamps.binary_search_by_key(&day.from, |s| s.0).is_ok() && {
            let i = changed.partition_point(|t| *t < day.from);
            changed.get(i).is_none_or(|t| *t >= day.to)
        }
    };
    for chunk in days.chunks(CHUNK_DAYS) {
        let (from, to) = (chunk[0].from, chunk[chunk.len() - 1].to);
        let mut kept = if chunk.iter().any(good_day) {
            store.day_sums(&digest, (from, to)).await?
        } else {
            Vec::new()
        };
        let (mut fresh, mut good) = (Vec::new(), Vec::new());
        for day in chunk {
            let stored = kept
                .iter_mut()
                .find(|k| k.day == *day && good_day(day))
                .map(|k| std::mem::take(&mut k.sum));
            let decoded = stored.and_then(|bytes| match postcard::from_bytes::<DaySum>(&bytes) {
                Ok(sum) => Some(sum),
                Err(e) => {
                    tracing::warn!(
                        "the daily sum of {} could not be read ({e}); summing it again",
                        day.from
                    );
                    None
                }
            });
            let sum = match decoded {
                Some(sum) if b.add_sum(*day, &sum) => {
                    good.push(day.from);
                    stats.reused += 1;
                    continue;
                }
                _ => sum_day(store, &zones, tz, *day).await?,
            };
            if b.add_sum(*day, &sum) {
                stats.computed += 1;
                fresh.push(StoredDaySum {
                    day: *day,
                    seq,
                    sum: postcard::to_allocvec(&sum).expect("a sum of plain numbers encodes"),
                });
            }
        }
        if let Err(e) = store.keep_day_sums(&digest, &fresh, &good, seq).await {
            tracing::warn!(
                "daily sums could not be kept ({e}); the next start sums those days again"
            );
        }
    }
    Ok(stats)
}

/// Brings the kept daily sums up to date for an engine built at `now`, so that the next
/// start finds them (after an import or a backfill of past days).
pub async fn refresh(
    store: &Store,
    zones: Zones,
    tz: Tz,
    now: Millis,
) -> Result<SumStats, StoreError> {
    let seq = store.change_seq().await?;
    let mut b = Builder::new(tz, zones, now);
    give_sums(store, &mut b, tz, seq).await
}

/// Sums one day from its records.
async fn sum_day(store: &Store, zones: &Zones, tz: Tz, day: Span) -> Result<DaySum, StoreError> {
    let mut b = DaySumBuilder::new(tz, zones, day);
    store
        .facts_in(
            zones,
            (day.from, day.to),
            &Filter::default(),
            &mut |k, f| b.add(k, &f),
        )
        .await?;
    Ok(b.finish())
}

/// The anchor times of every change after `seq`, where records are now and where they
/// left, in order: a day holding one has a stale sum.
async fn changed_since(
    store: &Store,
    zones: &Zones,
    seq: Option<i64>,
) -> Result<Vec<Millis>, StoreError> {
    let Some(seq) = seq else {
        return Ok(Vec::new());
    };
    let mut times = store.anchors_left(seq).await?;
    store
        .facts_changed(zones, seq, &mut |_, f| {
            times.extend(
                f.anchors()
                    .iter()
                    .map(|a| a.0)
                    .filter(|t| *t != Millis::MIN),
            )
        })
        .await?;
    times.sort_unstable();
    Ok(times)
}
