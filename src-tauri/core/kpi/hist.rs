//! Exact distributions of whole-second intervals. Percentiles are nearest-rank over every
//! value (the contract's rule), so values are counted, never binned into ranges.

use std::collections::BTreeMap;

/// Anything that can say how many of its values are ≤ v.
pub trait Dist {
    fn n(&self) -> u64;
    fn sum(&self) -> i64;
    fn count_le(&self, v: u32) -> u64;
    fn max(&self) -> Option<u32>;
}

/// Values below this are counted in a Fenwick tree (rank queries in 12 steps); larger ones
/// (over an hour, rare except feedback times) in a sorted map with block counts.
const DENSE: usize = 4096;
const SPARSE_BLOCK: u32 = 256;

/// A mutable distribution (values can be added and removed as records change).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hist {
    /// Fenwick tree over `[0, DENSE)`; empty until a short value arrives.
    tree: Vec<u64>,
    sparse: BTreeMap<u32, u64>,
    /// Counts of sparse values per `SPARSE_BLOCK` seconds, so a rank query sums a few
    /// hundred blocks rather than every distinct long interval.
    sparse_blocks: BTreeMap<u32, u64>,
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
            if self.tree.is_empty() {
                self.tree = vec![0; DENSE];
            }
            let mut i = v as usize + 1;
            while i <= DENSE {
                let node = &mut self.tree[i - 1];
                *node = node
                    .checked_add_signed(sign)
                    .expect("removing a value that was never added");
                i += i & i.wrapping_neg();
            }
            self.dense_n = self.dense_n.checked_add_signed(sign).expect("counted");
        } else {
            bump(&mut self.sparse, v, sign);
            bump(&mut self.sparse_blocks, v / SPARSE_BLOCK, sign);
        }
        self.n = self
            .n
            .checked_add_signed(sign)
            .expect("removing from an empty distribution");
        self.sum += sign * i64::from(v);
    }

    /// Short values ≤ `v`.
    fn dense_le(&self, v: usize) -> u64 {
        if self.tree.is_empty() {
            return 0;
        }
        let mut i = v.min(DENSE - 1) + 1;
        let mut s = 0;
        while i > 0 {
            s += self.tree[i - 1];
            i -= i & i.wrapping_neg();
        }
        s
    }

    /// The smallest short value with at least `rank` short values ≤ it (Fenwick descent).
    fn dense_rank(&self, rank: u64) -> u32 {
        let (mut pos, mut rem, mut step) = (0usize, rank, DENSE);
        while step > 0 {
            if pos + step <= DENSE && self.tree[pos + step - 1] < rem {
                pos += step;
                rem -= self.tree[pos - 1];
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
            .map(|(v, c)| (v as u32, c))
            .chain(self.sparse.iter().map(|(v, c)| (*v, *c)))
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
        let whole: u64 = self.sparse_blocks.range(..block).map(|(_, c)| c).sum();
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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frozen {
    values: Vec<u32>,
    cum: Vec<u64>,
    /// `dense_cum[v]` = values ≤ v, for v up to the largest value below `DENSE`.
    dense_cum: Vec<u64>,
    sum: i64,
}

impl Dist for Frozen {
    fn n(&self) -> u64 {
        self.cum.last().copied().unwrap_or(0)
    }
    fn sum(&self) -> i64 {
        self.sum
    }
    fn count_le(&self, v: u32) -> u64 {
        if let Some(c) = self.dense_cum.get(v as usize) {
            return *c;
        }
        if (v as usize) < DENSE && !self.dense_cum.is_empty() {
            return *self.dense_cum.last().expect("non-empty");
        }
        match self.values.partition_point(|x| *x <= v) {
            0 => 0,
            i => self.cum[i - 1],
        }
    }
    fn max(&self) -> Option<u32> {
        self.values.last().copied()
    }
}

impl Frozen {
    fn new(values: Vec<u32>, cum: Vec<u64>, sum: i64) -> Frozen {
        let short = values.partition_point(|v| (*v as usize) < DENSE);
        let mut dense_cum = Vec::new();
        if short > 0 {
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

    /// The union of several distributions.
    pub fn merge<'a>(parts: impl IntoIterator<Item = &'a Frozen>) -> Frozen {
        let mut h: BTreeMap<u32, u64> = BTreeMap::new();
        let mut sum = 0;
        for p in parts {
            sum += p.sum;
            let mut prev = 0;
            for (v, c) in p.values.iter().zip(&p.cum) {
                *h.entry(*v).or_default() += c - prev;
                prev = *c;
            }
        }
        let mut total = 0;
        let (values, cum) = h
            .into_iter()
            .map(|(v, c)| {
                total += c;
                (v, total)
            })
            .unzip();
        Frozen::new(values, cum, sum)
    }
}

/// n, sum and rank queries over the union of several distributions.
pub struct Union<'a>(pub Vec<&'a dyn Dist>);

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

    /// Nearest rank: the ⌈q·n⌉-th smallest value (1-based); `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<u32> {
        let n = self.n();
        if n == 0 {
            return None;
        }
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
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
