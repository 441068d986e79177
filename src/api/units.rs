//! Counts as people read them, in one convention for every face (TUI, CLI, messages): bytes,
//! and things ("1 document", "12 documents").
//!
//! Binary units (KiB, MiB, GiB): they are what `ls -lh`, `du -h` and the progress bars show,
//! and a file's size then reads the same in the list, the details, a transfer and an error.

/// `1536` → "1.5 KiB"; below 1 KiB the exact count ("512 B").
pub fn human_size(bytes: u64) -> String {
    bytesize::ByteSize(bytes).display().iec().to_string()
}

/// `n` things: "1 document" with `one`, "12 documents" (and "0 documents") with `many`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(3 * 1024 * 1024), "3.0 MiB");
    }

    #[test]
    fn things_are_counted_in_the_singular_only_for_one() {
        assert_eq!(
            count(1, "file resource", "file resources"),
            "1 file resource"
        );
        assert_eq!(count(0, "problem", "problems"), "0 problems");
        assert_eq!(count(12, "document", "documents"), "12 documents");
    }
}
