//! Exact distributions of whole-second intervals. Percentiles are nearest-rank over every
//! value (the contract's rule), so values are counted, never binned into ranges.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Anything that can say how many of its values are ≤ v.
pub trait Dist {
    fn n(&self) -> u64;
    fn sum(&self) -> i64;
    fn count_le(&self, v: u32) -> u64;
    fn max(&self) -> Option<u32>;
}

/// Values below this are counted in a Fenwick tree (rank queries in 12 steps); larger ones
/// (over an hour: feedback times, work orders' days) in a sorted map with block counts.
const DENSE: usize = 4096;
const SPARSE_BLOCK: u32 = 512;
/// Blocks below this (about 12 days) are counted in a second Fenwick tree, so that a rank
/// query over work-order times costs a few steps, not a sum over thousands of blocks.
const NEAR_BLOCKS: usize = 2048;

/// Adds `sign` at index `i` of a Fenwick tree of `size` slots, creating it on first use.
/// Nodes are u32: a node counts the records of one span (tens of millions a year at most),
/// and an engine keeps thousands of trees (span × cut × interval), so their size is most of
/// its memory and of the cache misses of a tick.
fn fenwick_add(tree: &mut Vec<u32>, size: usize, i: usize, sign: i64) {
    if tree.is_empty() {
        *tree = vec![0; size];
    }
    let sign = i32::try_from(sign).expect("one record at a time");
    let mut i = i + 1;
    while i <= size {
        let node = &mut tree[i - 1];
        *node = node
            .checked_add_signed(sign)
            .expect("removing a value that was never added, or over 4 billion in a span");
        i += i & i.wrapping_neg();
    }
}

/// The sum of slots `[0, i]` of a Fenwick tree (0 when it was never used).
fn fenwick_le(tree: &[u32], i: usize) -> u64 {
    if tree.is_empty() {
        return 0;
    }
    let mut i = i.min(tree.len() - 1) + 1;
    let mut s = 0;
    while i > 0 {
        s += u64::from(tree[i - 1]);
        i -= i & i.wrapping_neg();
    }
    s
}

/// A mutable distribution (values can be added and removed as records change).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hist {
    /// Fenwick tree over `[0, DENSE)`; empty until a short value arrives.
    tree: Vec<u32>,
    sparse: BTreeMap<u32, u64>,
    /// Counts of sparse values per `SPARSE_BLOCK` seconds: a Fenwick tree over the first
    /// `NEAR_BLOCKS` blocks, a sorted map beyond.
    near_blocks: Vec<u32>,
    far_blocks: BTreeMap<u32, u64>,
    dense_n: u64,
    n: u64,
    sum: i64,
}

/// Adds `sign` to a count, dropping it at zero.
fn bump(map: &mut BTreeMap<u32, u64>, k: u32, sign: i64) {
    let c = map.entry(k).or_default();
    *c = c
        .checked_add_signed(sign)
        .expect("removing a value that was never added");
    if *c == 0 {
        map.remove(&k);
    }
}

impl Hist {
    pub fn add(&mut self, v: u32, sign: i64) {
        if (v as usize) < DENSE {
            fenwick_add(&mut self.tree, DENSE, v as usize, sign);
            self.dense_n = self.dense_n.checked_add_signed(sign).expect("counted");
        } else {
            bump(&mut self.sparse, v, sign);
            let block = v / SPARSE_BLOCK;
            if (block as usize) < NEAR_BLOCKS {
                fenwick_add(&mut self.near_blocks, NEAR_BLOCKS, block as usize, sign);
            } else {
                bump(&mut self.far_blocks, block, sign);
            }
        }
        self.n = self
            .n
            .checked_add_signed(sign)
            .expect("removing from an empty distribution");
        self.sum += sign * i64::from(v);
    }

    /// Short values ≤ `v`.
    fn dense_le(&self, v: usize) -> u64 {
        fenwick_le(&self.tree, v)
    }

    /// Long values in blocks before `block`.
    fn blocks_before(&self, block: u32) -> u64 {
        if block == 0 {
            return 0;
        }
        let near = fenwick_le(&self.near_blocks, block as usize - 1);
        if (block as usize) <= NEAR_BLOCKS {
            return near;
        }
        near + self.far_blocks.range(..block).map(|(_, c)| c).sum::<u64>()
    }

    /// The smallest short value with at least `rank` short values ≤ it (Fenwick descent).
    fn dense_rank(&self, rank: u64) -> u32 {
        let (mut pos, mut rem, mut step) = (0usize, rank, DENSE);
        while step > 0 {
            if pos + step <= DENSE && u64::from(self.tree[pos + step - 1]) < rem {
                pos += step;
                rem -= u64::from(self.tree[pos - 1]);
            }
            step >>= 1;
        }
        pos as u32
    }

    /// Each short value's own count, recovered from the Fenwick tree in one pass (the
    /// reverse of building it), then the long values.
    fn pairs(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        let mut counts = self.tree.clone();
        for i in (1..=counts.len()).rev() {
            let parent = i + (i & i.wrapping_neg());
            if parent <= counts.len() {
                counts[parent - 1] -= counts[i - 1];
            }
        }
        counts
            .into_iter()
            .enumerate()
            .filter(|(_, c)| *c > 0)
            .map(|(v, c)| (v as u32, u64::from(c)))
            .chain(self.sparse.iter().map(|(v, c)| (*v, *c)))
    }

    /// Heap bytes held, roughly (a sorted map's entry counted at 32 bytes).
    pub fn bytes(&self) -> usize {
        (self.tree.capacity() + self.near_blocks.capacity()) * 4
            + (self.sparse.len() + self.far_blocks.len()) * 32
    }

    pub fn freeze(&self) -> Frozen {
        let mut values = Vec::new();
        let mut cum = Vec::new();
        let mut total = 0;
        for (v, c) in self.pairs() {
            total += c;
            values.push(v);
            cum.push(total);
        }
        Frozen::new(values, cum, self.sum)
    }
}

impl Dist for Hist {
    fn n(&self) -> u64 {
        self.n
    }
    fn sum(&self) -> i64 {
        self.sum
    }
    fn count_le(&self, v: u32) -> u64 {
        if (v as usize) < DENSE {
            return self.dense_le(v as usize);
        }
        let block = v / SPARSE_BLOCK;
        let whole = self.blocks_before(block);
        let part: u64 = self
            .sparse
            .range(block * SPARSE_BLOCK..=v)
            .map(|(_, c)| c)
            .sum();
        self.dense_n + whole + part
    }
    fn max(&self) -> Option<u32> {
        if let Some(v) = self.sparse.keys().next_back() {
            return Some(*v);
        }
        (self.dense_n > 0).then(|| self.dense_rank(self.dense_n))
    }
}

/// An immutable distribution with cumulative counts. Below an hour `count_le` is one
/// lookup in a cumulative array (percentile searches ask it a few hundred times per report);
/// above, a binary search.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(into = "FrozenWire", try_from = "FrozenWire")]
pub struct Frozen {
    values: Vec<u32>,
    /// Values ≤ each of `values`: u32 like the trees' nodes (a span holds tens of millions
    /// of records at most); the frozen distributions are most of an engine's memory.
    cum: Vec<u32>,
    /// `dense_cum[v]` = values ≤ v, for v up to the largest value below `DENSE`; only where
    /// many distinct short values make a lookup table pay (`DENSE_FROM`), else empty and
    /// `count_le` searches `values`. An engine keeps thousands of these (span × cut ×
    /// interval): as u64 for every one they were 114 MB of a 10 M-call engine.
    dense_cum: Vec<u32>,
    sum: i64,
}

/// The same values and counts; the lookup table is only a faster way to them.
impl PartialEq for Frozen {
    fn eq(&self, o: &Frozen) -> bool {
        self.values == o.values && self.cum == o.cum && self.sum == o.sum
    }
}

impl Eq for Frozen {}

/// Distinct values below `DENSE` from which a frozen distribution keeps a lookup table.
const DENSE_FROM: usize = 512;

impl Dist for Frozen {
    fn n(&self) -> u64 {
        self.cum.last().copied().map_or(0, u64::from)
    }
    fn sum(&self) -> i64 {
        self.sum
    }
    fn count_le(&self, v: u32) -> u64 {
        if let Some(c) = self.dense_cum.get(v as usize) {
            return u64::from(*c);
        }
        if (v as usize) < DENSE && !self.dense_cum.is_empty() {
            return u64::from(*self.dense_cum.last().expect("non-empty"));
        }
        match self.values.partition_point(|x| *x <= v) {
            0 => 0,
            i => u64::from(self.cum[i - 1]),
        }
    }
    fn max(&self) -> Option<u32> {
        self.values.last().copied()
    }
}

impl Frozen {
    fn new(values: Vec<u32>, cum: Vec<u64>, sum: i64) -> Frozen {
        let cum: Vec<u32> = cum
            .into_iter()
            .map(|c| u32::try_from(c).expect("over 4 billion records in one span"))
            .collect();
        let short = values.partition_point(|v| (*v as usize) < DENSE);
        let mut dense_cum = Vec::new();
        if short >= DENSE_FROM {
            dense_cum = vec![0; values[short - 1] as usize + 1];
            let mut i = 0;
            let mut total = 0;
            for (v, slot) in dense_cum.iter_mut().enumerate() {
                while i < short && values[i] as usize == v {
                    total = cum[i];
                    i += 1;
                }
                *slot = total;
            }
        }
        Frozen {
            values,
            cum,
            dense_cum,
            sum,
        }
    }

    /// Heap bytes held.
    pub fn bytes(&self) -> usize {
        (self.values.capacity() + self.cum.capacity() + self.dense_cum.capacity()) * 4
    }

    /// The union of several distributions.
    pub fn merge<'a>(parts: impl IntoIterator<Item = &'a Frozen>) -> Frozen {
        let mut acc = FrozenSum::default();
        for p in parts {
            acc.add(p);
        }
        acc.finish()
    }

    /// Each value with its own count, in order.
    fn pairs(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        let mut prev = 0;
        self.values.iter().zip(&self.cum).map(move |(v, c)| {
            let own = c - prev;
            prev = *c;
            (*v, u64::from(own))
        })
    }
}

/// Sums many frozen distributions (a year of daily sums) into one: short values in a
/// plain array, long ones appended and sorted now and then, so a value costs a few steps
/// whatever the number of parts.
#[derive(Debug, Default)]
pub struct FrozenSum {
    dense: Vec<u64>,
    sparse: Vec<(u32, u64)>,
    /// Length of `sparse` when it was last sorted and coalesced.
    coalesced: usize,
    sum: i64,
}

impl FrozenSum {
    pub fn add(&mut self, part: &Frozen) {
        self.sum += part.sum;
        for (v, c) in part.pairs() {
            if (v as usize) < DENSE {
                if self.dense.is_empty() {
                    self.dense = vec![0; DENSE];
                }
                self.dense[v as usize] += c;
            } else {
                self.sparse.push((v, c));
            }
        }
        if self.sparse.len() > 2 * self.coalesced + 65_536 {
            self.coalesce();
        }
    }

    fn coalesce(&mut self) {
        coalesce(&mut self.sparse);
        self.coalesced = self.sparse.len();
    }

    pub fn finish(mut self) -> Frozen {
        self.coalesce();
        let mut total = 0;
        let (values, cum) = self
            .dense
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(v, c)| (v as u32, *c))
            .chain(self.sparse.iter().copied())
            .map(|(v, c)| {
                total += c;
                (v, total)
            })
            .unzip();
        Frozen::new(values, cum, self.sum)
    }
}

/// Sorts `(key, count)` pairs by key and adds up the counts of equal keys. The sort is the
/// stable one, which merges sorted runs as such: the pairs are mostly runs (each part's
/// values, in order, after those already coalesced).
pub fn coalesce<K: Ord + Copy, C: std::ops::AddAssign + Copy>(pairs: &mut Vec<(K, C)>) {
    pairs.sort_by_key(|(k, _)| *k);
    pairs.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            kept.1 += later.1;
        }
        same
    });
}

/// How a frozen distribution is stored (a day's sums, `ledger`): each value as its distance
/// from the one before and its own count, small numbers that encode in a byte or two. The
/// lookup table is not rebuilt for a stored one: it is summed, never asked for ranks.
#[derive(Serialize, Deserialize)]
struct FrozenWire {
    gaps: Vec<u32>,
    counts: Vec<u64>,
    sum: i64,
}

impl From<Frozen> for FrozenWire {
    fn from(f: Frozen) -> FrozenWire {
        let mut last = 0;
        let (gaps, counts) = f
            .pairs()
            .map(|(v, c)| {
                let gap = v - last;
                last = v;
                (gap, c)
            })
            .unzip();
        FrozenWire {
            gaps,
            counts,
            sum: f.sum,
        }
    }
}

impl TryFrom<FrozenWire> for Frozen {
    type Error = String;
    fn try_from(w: FrozenWire) -> Result<Frozen, String> {
        if w.gaps.len() != w.counts.len() {
            return Err("a stored distribution's values and counts differ in length".into());
        }
        let (mut v, mut total) = (0u32, 0u64);
        let mut values = Vec::with_capacity(w.gaps.len());
        let mut cum = Vec::with_capacity(w.gaps.len());
        for (i, (gap, c)) in w.gaps.iter().zip(&w.counts).enumerate() {
            v = v
                .checked_add(*gap)
                .filter(|_| i == 0 || *gap > 0)
                .ok_or("a stored distribution's values are out of order")?;
            total = total
                .checked_add(*c)
                .filter(|_| *c > 0)
                .ok_or("a stored distribution has an empty or overflowing count")?;
            values.push(v);
            cum.push(
                u32::try_from(total).map_err(|_| "a stored distribution counts over 4 billion")?,
            );
        }
        Ok(Frozen {
            values,
            cum,
            dense_cum: Vec::new(),
            sum: w.sum,
        })
    }
}

/// n, sum and rank queries over the union of several distributions.
pub struct Union<'a>(pub Vec<&'a dyn Dist>);

/// Where a report found a quantile of a union, kept true as one part of it (a live tail)
/// gains and loses values: the next report reads from it whether the quantile is still
/// there, without a rank query. Most ticks move no percentile of most spans.
#[derive(Debug, Clone, Copy, Default)]
pub struct Watch {
    /// The quantile, and the union's counts of values ≤ it and below it.
    at: Option<(u32, i64, i64)>,
}

impl Watch {
    /// Counts `v` coming (`sign` 1) or going (−1).
    pub fn add(&mut self, v: u32, sign: i64) {
        if let Some((at, le, below)) = &mut self.at {
            if v <= *at {
                *le += sign;
                if v < *at {
                    *below += sign;
                }
            }
        }
    }

    /// The value of rank `rank` when it is still the one watched.
    fn holds(&self, rank: u64) -> Option<u32> {
        let (v, le, below) = self.at?;
        let rank = i64::try_from(rank).ok()?;
        (below < rank && rank <= le).then_some(v)
    }
}

impl Union<'_> {
    pub fn n(&self) -> u64 {
        self.0.iter().map(|d| d.n()).sum()
    }

    pub fn sum(&self) -> i64 {
        self.0.iter().map(|d| d.sum()).sum()
    }

    pub fn count_le(&self, v: u32) -> u64 {
        self.0.iter().map(|d| d.count_le(v)).sum()
    }

    /// `quantile`, searched outward from `hint` (where it was before a small change): two
    /// rank queries when it has not moved, a few more when it moved a little.
    pub fn quantile_near(&self, q: f64, hint: Option<u32>) -> Option<u32> {
        let Some(h) = hint else {
            return self.quantile(q);
        };
        let rank = self.rank(q)?;
        // The answer is the smallest v with count_le(v) ≥ rank: bracket it in (lo, hi].
        let (mut lo, mut hi) = if self.count_le(h) >= rank {
            let mut step = 1u32;
            let mut hi = h;
            loop {
                let Some(lo) = hi.checked_sub(step) else {
                    break (None, hi);
                };
                if self.count_le(lo) < rank {
                    break (Some(lo), hi);
                }
                hi = lo;
                step = step.saturating_mul(2);
            }
        } else {
            let max = self.0.iter().filter_map(|d| d.max()).max()?;
            let mut step = 1u32;
            let mut lo = h;
            loop {
                let hi = lo.saturating_add(step).min(max);
                if self.count_le(hi) >= rank {
                    break (Some(lo), hi);
                }
                lo = hi;
                step = step.saturating_mul(2);
            }
        };
        // Now count_le(lo) < rank ≤ count_le(hi) (lo = None: below every value).
        while lo.map_or(0, |l| l + 1) < hi {
            let from = lo.map_or(0, |l| l + 1);
            let mid = from + (hi - from) / 2;
            if self.count_le(mid) >= rank {
                hi = mid;
            } else {
                lo = Some(mid);
            }
        }
        Some(hi)
    }

    /// `quantile_near`, answered by `watch` when the quantile has not moved; `watch` is set
    /// to the answer. The watch must have seen every value added to this union since it
    /// was set (`Watch::add`).
    pub fn quantile_watched(&self, q: f64, hint: Option<u32>, watch: &mut Watch) -> Option<u32> {
        let rank = self.rank(q)?;
        if let Some(v) = watch.holds(rank) {
            return Some(v);
        }
        let v = self.quantile_near(q, hint)?;
        let count = |v| i64::try_from(self.count_le(v)).expect("fewer than 2^63 values");
        watch.at = Some((v, count(v), v.checked_sub(1).map_or(0, count)));
        Some(v)
    }

    /// The nearest rank of `q` (1-based); `None` when empty.
    fn rank(&self, q: f64) -> Option<u64> {
        let n = self.n();
        (n > 0).then(|| ((q * n as f64).ceil() as u64).clamp(1, n))
    }

    /// Nearest rank: the ⌈q·n⌉-th smallest value (1-based); `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<u32> {
        let rank = self.rank(q)?;
        // The smallest v with count_le(v) ≥ rank, by binary search over the value range —
        // below an hour when the rank falls there, where every count is a cheap lookup.
        let max = self.0.iter().filter_map(|d| d.max()).max()?;
        let short = DENSE as u32 - 1;
        let (mut lo, mut hi) = if max > short && self.count_le(short) >= rank {
            (0, short)
        } else if max > short {
            (short + 1, max)
        } else {
            (0, max)
        };
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.count_le(mid) >= rank {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Some(lo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(values: &[u32]) -> Hist {
        let mut h = Hist::default();
        for v in values {
            h.add(*v, 1);
        }
        h
    }

    /// Hand-worked: p90 is the ⌈0.9·n⌉-th value of the sorted list.
    #[test]
    fn nearest_rank_p90_over_1_9_10_and_11_values() {
        let cases: [(&[u32], u32, u32); 4] = [
            (&[42], 42, 42),                               // n=1: rank 1
            (&[9, 1, 8, 2, 7, 3, 6, 4, 5], 5, 9),          // n=9: p50 rank 5, p90 rank ⌈8.1⌉=9
            (&[10, 1, 9, 2, 8, 3, 7, 4, 6, 5], 5, 9),      // n=10: p50 rank 5, p90 rank 9
            (&[11, 1, 10, 2, 9, 3, 8, 4, 7, 5, 6], 6, 10), // n=11: p50 rank ⌈5.5⌉=6, p90 ⌈9.9⌉=10
        ];
        for (values, p50, p90) in cases {
            let h = hist(values);
            let u = Union(vec![&h]);
            assert_eq!(u.quantile(0.5), Some(p50), "{values:?}");
            assert_eq!(u.quantile(0.9), Some(p90), "{values:?}");
        }
        assert_eq!(Union(vec![&Hist::default()]).quantile(0.9), None);
    }

    #[test]
    fn union_of_frozen_and_live_parts_equals_the_whole() {
        let a = hist(&[5, 5, 30, 61, 200]).freeze();
        let b = hist(&[0, 31, 31]);
        let whole = hist(&[5, 5, 30, 61, 200, 0, 31, 31]);
        let u = Union(vec![&a, &b]);
        let w = Union(vec![&whole]);
        for q in [0.1, 0.5, 0.9, 1.0] {
            assert_eq!(u.quantile(q), w.quantile(q));
        }
        assert_eq!((u.n(), u.sum()), (8, 363));
        assert_eq!((u.count_le(30), u.count_le(60)), (4, 6));
        let merged = Frozen::merge([&a, &b.freeze()]);
        assert_eq!(Union(vec![&merged]).quantile(0.9), w.quantile(0.9));
    }

    /// Work orders take days: values beyond the near blocks (12 days) and on block edges
    /// rank like a sorted list.
    #[test]
    fn long_values_rank_exactly_near_and_far() {
        let values: Vec<u32> = vec![
            4096, 4607, 4608, 86_400, 259_200, 604_800, 1_048_575, 1_048_576, 2_000_000, 5,
        ];
        let h = hist(&values);
        let mut sorted = values.clone();
        sorted.sort_unstable();
        for probe in [
            0, 5, 4095, 4096, 4607, 4608, 86_399, 86_400, 1_048_575, 1_048_576, 3_000_000,
        ] {
            let want = sorted.iter().filter(|v| **v <= probe).count() as u64;
            assert_eq!(h.count_le(probe), want, "≤ {probe}");
        }
        let u = Union(vec![&h]);
        assert_eq!(u.quantile(0.5), Some(sorted[4]));
        assert_eq!(u.quantile(0.9), Some(sorted[8]));
        assert_eq!(u.quantile(1.0), Some(2_000_000));
    }

    /// A frozen distribution counts alike with its lookup table (many distinct short values)
    /// and without it (few), below, at and beyond the table's end.
    #[test]
    fn frozen_counts_match_a_sorted_list_with_and_without_the_table() {
        let many: Vec<u32> = (0..3000)
            .map(|i| (i * 7919 % 4000) as u32)
            .chain([5000, 9000])
            .collect();
        let few: Vec<u32> = vec![0, 3, 3, 700, 4095, 4096, 60_000];
        for values in [many, few] {
            let f = hist(&values).freeze();
            let mut sorted = values.clone();
            sorted.sort_unstable();
            for probe in (0..4200).chain([8999, 9000, 59_999, 60_000, u32::MAX]) {
                let want = sorted.partition_point(|v| *v <= probe) as u64;
                assert_eq!(
                    f.count_le(probe),
                    want,
                    "≤ {probe} of {} values",
                    values.len()
                );
            }
        }
    }

    /// A watched quantile over a frozen part and a live one that gains and loses values
    /// (short and long, some equal to the quantile, some removed) is after every change
    /// the nearest-rank value of the sorted list, whether the watch held or not.
    #[test]
    fn a_watched_quantile_follows_a_changing_union() {
        let frozen_values: Vec<u32> = (0..200u32).map(|i| (i * 37) % 500).collect();
        let frozen = hist(&frozen_values).freeze();
        let mut live = Hist::default();
        let mut watches = [Watch::default(); 2];
        let mut all = frozen_values.clone();
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as u32
        };
        let mut held = 0;
        for step in 0..2000 {
            // Mostly values near the middle, now and then a long one; one in three removes
            // a value the live part holds.
            let remove = next() % 3 == 0 && !live_values(&all, &frozen_values).is_empty();
            if remove {
                let mine = live_values(&all, &frozen_values);
                let v = mine[next() as usize % mine.len()];
                live.add(v, -1);
                watches.iter_mut().for_each(|w| w.add(v, -1));
                let i = all.iter().rposition(|x| *x == v).unwrap();
                all.remove(i);
            } else {
                let v = if next() % 10 == 0 {
                    4000 + next() % 90_000
                } else {
                    200 + next() % 100
                };
                live.add(v, 1);
                watches.iter_mut().for_each(|w| w.add(v, 1));
                all.push(v);
            }
            let mut sorted = all.clone();
            sorted.sort_unstable();
            let u = Union(vec![&frozen, &live]);
            for (w, q) in watches.iter_mut().zip([0.5, 0.9]) {
                let rank = ((q * sorted.len() as f64).ceil() as usize).max(1);
                let before = w.holds(rank as u64);
                let got = u.quantile_watched(q, None, w);
                assert_eq!(got, Some(sorted[rank - 1]), "step {step}, q {q}");
                held += usize::from(before.is_some());
            }
        }
        assert!(
            held > 1000,
            "the watch should answer most steps, answered {held}"
        );
    }

    /// The values `all` holds beyond the frozen ones (the frozen come first, never removed).
    fn live_values(all: &[u32], frozen: &[u32]) -> Vec<u32> {
        all[frozen.len()..].to_vec()
    }

    /// Searched from any hint — the answer itself, near it, far below or above it, past
    /// every value — the quantile is the one a sorted list gives.
    #[test]
    fn quantile_near_any_hint_is_the_quantile() {
        let values: Vec<u32> = (0..500u32)
            .map(|i| (i * 7919) % 1300 + if i % 9 == 0 { 90_000 + i } else { 0 })
            .collect();
        let mut sorted = values.clone();
        sorted.sort_unstable();
        let live = hist(&values);
        let frozen = hist(&values[..200]).freeze();
        let rest = hist(&values[200..]);
        for q in [0.0, 0.1, 0.5, 0.9, 1.0] {
            let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
            let want = sorted[rank - 1];
            for u in [Union(vec![&live]), Union(vec![&frozen, &rest])] {
                assert_eq!(u.quantile(q), Some(want));
                for hint in [
                    0,
                    1,
                    want.saturating_sub(1),
                    want,
                    want + 1,
                    700,
                    4095,
                    89_999,
                    200_000,
                    u32::MAX,
                ] {
                    assert_eq!(
                        u.quantile_near(q, Some(hint)),
                        Some(want),
                        "q {q} hint {hint}"
                    );
                }
            }
        }
        assert_eq!(
            Union(vec![&Hist::default()]).quantile_near(0.9, Some(5)),
            None
        );
    }

    #[test]
    fn removing_undoes_adding_in_both_ranges() {
        let mut h = hist(&[3, 4, 4, 5000, 5000]);
        h.add(4, -1);
        h.add(3, -1);
        h.add(5000, -1);
        assert_eq!(h.freeze(), hist(&[4, 5000]).freeze());
        assert_eq!(Union(vec![&h]).quantile(1.0), Some(5000));
        assert_eq!(h.count_le(4999), 1);
    }
}
