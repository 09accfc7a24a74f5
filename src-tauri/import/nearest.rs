//! What to say about a code nobody knows: the valid ones when they are few, else the few
//! nearest it and where to see them all.

/// Up to this many codes are listed in full.
const LIST_ALL_UP_TO: usize = 12;
/// How many of the nearest codes a longer list is cut to.
const NEAREST: usize = 3;

/// "valid: a, b, c", or "nearest: a, b, c; {all}" when there are many; `all` says where
/// the full list is.
pub fn valid_codes<'a>(
    word: &str,
    codes: impl IntoIterator<Item = &'a str>,
    all: impl FnOnce(usize) -> String,
) -> String {
    let codes: Vec<&str> = codes.into_iter().collect();
    if codes.len() <= LIST_ALL_UP_TO {
        return format!("valid: {}", codes.join(", "));
    }
    format!(
        "nearest: {}; {}",
        nearest(word, &codes, NEAREST).join(", "),
        all(codes.len())
    )
}

/// The `n` codes nearest `word` by edit distance, ignoring case; ties keep the codes' order.
fn nearest<'a>(word: &str, codes: &[&'a str], n: usize) -> Vec<&'a str> {
    let word = word.to_lowercase();
    let mut ranked: Vec<(usize, usize, &str)> = codes
        .iter()
        .enumerate()
        .map(|(i, c)| (distance(&word, &c.to_lowercase()), i, *c))
        .collect();
    ranked.sort_unstable();
    ranked.into_iter().take(n).map(|(_, _, c)| c).collect()
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_codes_are_listed_many_are_cut_to_the_nearest() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(
            valid_codes("fax", ["phone", "sms"], |_| unreachable!()),
            "valid: phone, sms"
        );
        let many: Vec<String> = (0..20).map(|i| format!("code{i}")).collect();
        let shown = valid_codes("CODE7", many.iter().map(String::as_str), |n| {
            format!("{n} in all")
        });
        assert!(shown.starts_with("nearest: code7, "), "{shown}");
        assert!(shown.ends_with("; 20 in all"), "{shown}");
    }
}
