//! Byte counts as people read them, in one convention for every face (TUI, CLI, messages).
//!
//! Binary units (KiB, MiB, GiB): they are what `ls -lh`, `du -h` and the progress bars show,
//! and a file's size then reads the same in the list, the details, a transfer and an error.

/// `1536` → "1.5 KiB"; below 1 KiB the exact count ("512 B").
pub fn human_size(bytes: u64) -> String {
    bytesize::ByteSize(bytes).display().iec().to_string()
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
}
