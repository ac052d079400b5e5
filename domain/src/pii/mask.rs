//! Masking: what a person may see of a personal value without a reason to see all of it.

/// Keeps the first `head` and last `tail` characters and replaces the rest with `*`.
/// Short values are masked whole, so masking never reveals a value entirely.
pub fn keep_ends(value: &str, head: usize, tail: usize) -> String {
    let count = value.chars().count();
    if count <= head + tail {
        return "*".repeat(count.max(1));
    }
    value
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i < head || i >= count - tail {
                c
            } else {
                '*'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_the_middle() {
        assert_eq!(keep_ends("13812345678", 3, 4), "138****5678");
        assert_eq!(keep_ends("110101199003071234", 3, 4), "110***********1234");
        assert_eq!(keep_ends("abc", 3, 4), "***");
        assert_eq!(keep_ends("", 1, 1), "*");
    }
}
