//! Local lake files for the query engine, read on the calling thread.
//!
//! object_store's `LocalFileSystem` hands every read to tokio's blocking pool — twice for a
//! ranged get (open, then read). A query on the lake reads a footer, a page index and a few
//! column chunks from each of hundreds of small files; from the page cache each read takes
//! microseconds, less than the thread hand-offs around it (`perf` of a selective query: a third
//! of its CPU in the kernel, mostly waking threads). So reads are done in place; everything
//! else (listing, writes) and any failure (for its error message) goes to `LocalFileSystem`.

use std::fmt;
use std::fs::File;
use std::ops::Range;
use std::os::unix::fs::FileExt;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::StreamExt;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    Attributes, CopyOptions, GetOptions, GetResult, GetResultPayload, ListResult, MultipartUpload,
    ObjectMeta, ObjectStore, PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions,
    Result,
};

/// `LocalFileSystem` with reads on the calling thread.
#[derive(Debug, Default)]
pub struct InlineLocalFs {
    inner: LocalFileSystem,
}

impl fmt::Display for InlineLocalFs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InlineLocalFs({})", self.inner)
    }
}

fn read_ranges(file: &File, ranges: &[Range<u64>]) -> std::io::Result<Vec<Bytes>> {
    ranges
        .iter()
        .map(|r| {
            let len = usize::try_from(r.end.saturating_sub(r.start))
                .map_err(|_| std::io::Error::other("range too large"))?;
            let mut buf = vec![0; len];
            file.read_exact_at(&mut buf, r.start)?;
            Ok(Bytes::from(buf))
        })
        .collect()
}

impl InlineLocalFs {
    /// A get done in place, or `None` to leave it (and its error) to `LocalFileSystem`.
    fn try_get(&self, location: &Path, options: &GetOptions) -> Option<GetResult> {
        if options.head {
            return None;
        }
        let path = self.inner.path_to_filesystem(location).ok()?;
        let file = File::open(&path).ok()?;
        let metadata = file.metadata().ok()?;
        if !metadata.is_file() {
            return None;
        }
        let meta = ObjectMeta {
            location: location.clone(),
            last_modified: metadata.modified().ok()?.into(),
            size: metadata.len(),
            e_tag: Some(etag(&metadata)),
            version: None,
        };
        options.check_preconditions(&meta).ok()?;
        let range = match &options.range {
            Some(r) => r.as_range(meta.size).ok()?,
            None => 0..meta.size,
        };
        let bytes = read_ranges(&file, std::slice::from_ref(&range))
            .ok()?
            .pop()?;
        Some(GetResult {
            payload: GetResultPayload::Stream(futures::stream::once(async { Ok(bytes) }).boxed()),
            attributes: Attributes::default(),
            range,
            meta,
        })
    }
}

/// The ETag `LocalFileSystem` gives a file (inode, mtime, size), so that conditional requests
/// mean the same through both.
fn etag(metadata: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    let mtime = metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::SystemTime::UNIX_EPOCH).ok())
        .unwrap_or_default()
        .as_micros();
    format!("{:x}-{mtime:x}-{:x}", metadata.ino(), metadata.len())
}

#[async_trait]
impl ObjectStore for InlineLocalFs {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        match self.try_get(location, &options) {
            Some(got) => Ok(got),
            None => self.inner.get_opts(location, options).await,
        }
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        let inline = self
            .inner
            .path_to_filesystem(location)
            .ok()
            .and_then(|path| File::open(path).ok())
            .and_then(|file| read_ranges(&file, ranges).ok());
        match inline {
            Some(parts) => Ok(parts),
            None => self.inner.get_ranges(location, ranges).await,
        }
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        self.inner.rename_opts(from, to, options).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::{GetRange, ObjectStoreExt};

    /// Same answers as `LocalFileSystem` for whole gets, ranges, suffixes, several ranges and
    /// a missing file.
    #[tokio::test]
    async fn reads_as_local_file_system_does() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
        std::fs::write(dir.path().join("f.bin"), &data).unwrap();
        let path = Path::from_filesystem_path(dir.path().join("f.bin")).unwrap();
        let ours = InlineLocalFs::default();
        let theirs = LocalFileSystem::new();
        for range in [
            None,
            Some(GetRange::Bounded(10..20_000)),
            Some(GetRange::Suffix(64 * 1024)),
            Some(GetRange::Offset(99_990)),
            Some(GetRange::Bounded(99_000..200_000)),
        ] {
            let opts = GetOptions {
                range: range.clone(),
                ..GetOptions::default()
            };
            let a = ours.get_opts(&path, opts.clone()).await.unwrap();
            let b = theirs.get_opts(&path, opts).await.unwrap();
            assert_eq!((&a.range, &a.meta), (&b.range, &b.meta), "{range:?}");
            assert_eq!(a.bytes().await.unwrap(), b.bytes().await.unwrap());
        }
        let ranges = [0..5, 70_000..90_000, 5..5];
        assert_eq!(
            ours.get_ranges(&path, &ranges).await.unwrap(),
            theirs.get_ranges(&path, &ranges).await.unwrap()
        );
        let missing = Path::from(format!("{path}-missing"));
        let err = ours.get(&missing).await.unwrap_err();
        assert!(matches!(err, object_store::Error::NotFound { .. }), "{err}");
        let past_end = GetOptions {
            range: Some(GetRange::Bounded(200_000..200_010)),
            ..GetOptions::default()
        };
        assert!(ours.get_opts(&path, past_end).await.is_err());
    }
}
