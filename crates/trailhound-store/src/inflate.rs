//! Log objects to JSON text: CloudTrail gzips every log; plain `.json` passes through.

use std::io::Read;

/// Decompresses a gzip object into `buf` (reused across objects, so its pages stay mapped), or
/// passes plain JSON through; `Err` is the quarantine reason.
pub fn inflate<'a>(
    key: &str,
    bytes: &'a [u8],
    buf: &'a mut Vec<u8>,
) -> std::result::Result<&'a [u8], String> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        buf.clear();
        // The gzip trailer holds the uncompressed size (mod 4 GiB) of the last member.
        if let Some(tail) = bytes.len().checked_sub(4).and_then(|i| bytes.get(i..)) {
            let isize = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]) as usize;
            buf.reserve(isize.min(bytes.len().saturating_mul(64)) + 1);
        }
        flate2::read::MultiGzDecoder::new(bytes)
            .read_to_end(buf)
            .map_err(|e| format!("corrupt or truncated gzip: {e}"))?;
        Ok(buf.as_slice())
    } else if key.ends_with(".gz") {
        Err(if bytes.is_empty() {
            "empty file (expected gzip)".into()
        } else {
            "not a gzip file".into()
        })
    } else {
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_plain_and_bad() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(br#"{"Records":[]}"#).unwrap();
        let gz = gz.finish().unwrap();
        let mut buf = Vec::new();
        assert_eq!(
            inflate("a.json.gz", &gz, &mut buf).unwrap(),
            br#"{"Records":[]}"#
        );
        assert_eq!(inflate("a.json", b"{}", &mut buf).unwrap(), b"{}");
        assert_eq!(
            inflate("a.json.gz", b"{}", &mut buf).unwrap_err(),
            "not a gzip file"
        );
        assert!(inflate("a.json.gz", b"", &mut buf)
            .unwrap_err()
            .starts_with("empty"));
        let cut = &gz[..gz.len() - 6];
        assert!(inflate("a.json.gz", cut, &mut buf)
            .unwrap_err()
            .starts_with("corrupt"));
    }
}
