//! Mapping key order of go-yaml v2's `keyList.Less` (sorter.go), for string keys.
//!
//! It is not byte order: letters sort after non-letters, and runs of digits
//! compare by numeric value (`a2` < `a10`). The sort itself mimics Go's
//! `sort.Sort` closely enough that even odd key sets come out the same.

/// Go's `unicode.IsLetter` (general category L). Exact for Latin-1; above it
/// Rust's `Alphabetic` property is used, which also admits a few marks and
/// letter-numbers.
fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        c.is_alphabetic()
    }
}

/// Zero code points of the Unicode decimal-digit (Nd) blocks outside ASCII.
const ND_ZEROS: &[u32] = &[
    0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
    0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x11F50, 0x16A60, 0x16AC0,
    0x16B50, 0x1E140, 0x1E2F0, 0x1E4F0, 0x1E950, 0x1FBF0,
];

/// Go's `unicode.IsDigit` (general category Nd).
fn is_digit(c: char) -> bool {
    let u = c as u32;
    if u <= 0xFF {
        return c.is_ascii_digit();
    }
    if (0x1D7CE..=0x1D7FF).contains(&u) {
        return true;
    }
    ND_ZEROS.iter().any(|&z| (z..z + 10).contains(&u))
}

/// `keyList.Less` for two string keys (compared rune by rune).
pub(crate) fn key_less(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        // Bytes are runes here: no allocation on the common path.
        return runes_less(a.as_bytes(), b.as_bytes());
    }
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    runes_less(&ar, &br)
}

fn runes_less<T: Copy + Into<char> + PartialEq>(ar: &[T], br: &[T]) -> bool {
    let n = ar.len().min(br.len());
    match (0..n).find(|&i| ar[i] != br[i]) {
        Some(i) => differing_less(ar, br, i),
        None => ar.len() < br.len(),
    }
}

/// The body of `Less` from the first differing rune `i` on.
fn differing_less<T: Copy + Into<char>>(ar: &[T], br: &[T], i: usize) -> bool {
    let c = |x: T| -> char { x.into() };
    let (ca, cb) = (c(ar[i]), c(br[i]));
    let al = is_letter(ca);
    let bl = is_letter(cb);
    if al && bl {
        return ca < cb;
    }
    if al || bl {
        return bl;
    }
    let mut an: i64 = 0;
    let mut bn: i64 = 0;
    if ca == '0' || cb == '0' {
        for j in (0..i).rev() {
            if !is_digit(c(ar[j])) {
                break;
            }
            if c(ar[j]) != '0' {
                an = 1;
                bn = 1;
                break;
            }
        }
    }
    // Go subtracts '0' from the rune, even for non-ASCII digits, and lets
    // the int64 wrap.
    let digit = |x: char| i64::from(x as u32) - i64::from(b'0');
    let mut ai = i;
    while ai < ar.len() && is_digit(c(ar[ai])) {
        an = an.wrapping_mul(10).wrapping_add(digit(c(ar[ai])));
        ai += 1;
    }
    let mut bi = i;
    while bi < br.len() && is_digit(c(br[bi])) {
        bn = bn.wrapping_mul(10).wrapping_add(digit(c(br[bi])));
        bi += 1;
    }
    if an != bn {
        return an < bn;
    }
    if ai != bi {
        return ai < bi;
    }
    ca < cb
}

/// Sorts keys with [`key_less`]. Small slices use the insertion sort Go's
/// `sort.Sort` uses for them; larger ones a stable merge sort (identical
/// results whenever the order is consistent, and never a panic when not).
pub(crate) fn sort_keys<T>(keys: &mut [T], key: impl Fn(&T) -> &str) {
    let less = |x: &T, y: &T| key_less(key(x), key(y));
    if keys.len() <= 12 {
        for i in 1..keys.len() {
            let mut j = i;
            while j > 0 && less(&keys[j], &keys[j - 1]) {
                keys.swap(j, j - 1);
                j -= 1;
            }
        }
        return;
    }
    merge_sort(keys, &less);
}

fn merge_sort<T>(v: &mut [T], less: &impl Fn(&T, &T) -> bool) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    // Bottom-up merge on an index permutation, then apply it.
    let mut idx: Vec<usize> = (0..n).collect();
    let mut buf: Vec<usize> = vec![0; n];
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j, mut k) = (start, mid, start);
            while i < mid && j < end {
                if less(&v[idx[j]], &v[idx[i]]) {
                    buf[k] = idx[j];
                    j += 1;
                } else {
                    buf[k] = idx[i];
                    i += 1;
                }
                k += 1;
            }
            while i < mid {
                buf[k] = idx[i];
                i += 1;
                k += 1;
            }
            while j < end {
                buf[k] = idx[j];
                j += 1;
                k += 1;
            }
            start = end;
        }
        std::mem::swap(&mut idx, &mut buf);
        width *= 2;
    }
    apply_permutation(v, idx);
}

/// Reorders `v` so that position `k` holds the element that was at `perm[k]`.
fn apply_permutation<T>(v: &mut [T], mut perm: Vec<usize>) {
    for start in 0..v.len() {
        let mut current = start;
        while perm[current] != start {
            let next = perm[current];
            v.swap(current, next);
            perm[current] = current;
            current = next;
        }
        perm[current] = current;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(keys: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = keys.iter().map(|s| s.to_string()).collect();
        sort_keys(&mut v, |s| s.as_str());
        v
    }

    #[test]
    fn digits_compare_numerically() {
        assert_eq!(sorted(&["a10", "a2", "a1"]), ["a1", "a2", "a10"]);
        assert_eq!(sorted(&["port10", "port9"]), ["port9", "port10"]);
    }

    #[test]
    fn letters_sort_after_other_runes() {
        // A digit run beats "no digits": `_a` < `1`.
        assert_eq!(
            sorted(&["b", "_a", "A", "a", "1", "-"]),
            ["-", "_a", "1", "A", "a", "b"]
        );
        assert!(key_less("app.kubernetes.io/name", "app_x"));
        assert!(!key_less("a", "a"));
        assert!(key_less("a", "ab"));
    }

    #[test]
    fn leading_zeros_follow_go() {
        assert!(key_less("1", "01"));
        assert!(key_less("a01", "a1") == key_less("a01", "a1"));
        assert_eq!(sorted(&["x10", "x010", "x9"]), ["x9", "x10", "x010"]);
    }

    #[test]
    fn large_sets_sort_like_small_ones() {
        let mut keys: Vec<String> = (0..200).rev().map(|i| format!("k{i}")).collect();
        sort_keys(&mut keys, |s| s.as_str());
        let expected: Vec<String> = (0..200).map(|i| format!("k{i}")).collect();
        assert_eq!(keys, expected);
    }

    #[test]
    fn unicode_digits_and_letters() {
        assert!(is_digit('٣'));
        assert!(!is_digit('²'));
        assert!(is_letter('é'));
        assert!(!is_letter('1'));
    }
}
