//! A store in front of a lake in S3 that keeps the tail of each Parquet file it has read. A
//! file's tail holds its footer and page index; DataFusion reads the footer with one request
//! (the 64 KiB guess) and then the page index with another, although the first already held
//! it. Served from the tail, that second round trip (tens of milliseconds in S3, one per file
//! per query) is gone. Lake files are never rewritten in place (a new version is a new file),
//! so a tail never goes stale.

use std::collections::VecDeque;
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt};
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetRange, GetResult, GetResultPayload, ListResult, MultipartUpload,
    ObjectMeta, ObjectStore, PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
};

/// Reads ending at the end of an object and at most this long are kept.
const MAX_TAIL: u64 = 256 * 1024;
/// Tails kept at most, in bytes (the oldest go first): a full scan of a 2M-event lake keeps
/// 180 tails of 64 KiB.
const CAPACITY: usize = 64 << 20;

/// The tail of one object, from `start` to its end.
struct Tail {
    meta: ObjectMeta,
    start: u64,
    bytes: Bytes,
}

impl Tail {
    fn slice(&self, r: &Range<u64>) -> Option<Bytes> {
        (r.start >= self.start && r.end <= self.meta.size && r.start < r.end).then(|| {
            self.bytes
                .slice((r.start - self.start) as usize..(r.end - self.start) as usize)
        })
    }
}

pub struct TailCache {
    inner: Arc<dyn ObjectStore>,
    tails: Mutex<VecDeque<Arc<Tail>>>,
}

impl TailCache {
    pub fn new(inner: Arc<dyn ObjectStore>) -> Self {
        Self {
            inner,
            tails: Mutex::new(VecDeque::new()),
        }
    }

    fn tail(&self, location: &Path) -> Option<Arc<Tail>> {
        let tails = self.tails.lock().unwrap_or_else(|p| p.into_inner());
        tails.iter().find(|t| &t.meta.location == location).cloned()
    }

    fn keep(&self, tail: Tail) {
        let mut tails = self.tails.lock().unwrap_or_else(|p| p.into_inner());
        tails.retain(|t| t.meta.location != tail.meta.location);
        tails.push_back(Arc::new(tail));
        let mut held: usize = tails.iter().map(|t| t.bytes.len()).sum();
        while held > CAPACITY {
            match tails.pop_front() {
                Some(t) => held -= t.bytes.len(),
                None => break,
            }
        }
    }

    /// Whether a read may be answered from, or kept as, a tail: a plain ranged read.
    fn plain_range(options: &GetOptions) -> Option<Range<u64>> {
        let plain = options.if_match.is_none()
            && options.if_none_match.is_none()
            && options.if_modified_since.is_none()
            && options.if_unmodified_since.is_none()
            && options.version.is_none()
            && !options.head;
        match &options.range {
            Some(GetRange::Bounded(r)) if plain => Some(r.clone()),
            _ => None,
        }
    }
}

fn answer(meta: ObjectMeta, range: Range<u64>, bytes: Bytes) -> GetResult {
    GetResult {
        payload: GetResultPayload::Stream(stream::once(async move { Ok(bytes) }).boxed()),
        meta,
        range,
        attributes: Default::default(),
    }
}

impl fmt::Debug for TailCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TailCache({})", self.inner)
    }
}

impl fmt::Display for TailCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TailCache({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for TailCache {
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
        let Some(range) = Self::plain_range(&options) else {
            return self.inner.get_opts(location, options).await;
        };
        if let Some(tail) = self.tail(location) {
            if let Some(bytes) = tail.slice(&range) {
                return Ok(answer(tail.meta.clone(), range, bytes));
            }
        }
        let got = self.inner.get_opts(location, options).await?;
        if got.range.end != got.meta.size || got.range.end - got.range.start > MAX_TAIL {
            return Ok(got);
        }
        let (meta, range) = (got.meta.clone(), got.range.clone());
        let bytes = got.bytes().await?;
        self.keep(Tail {
            meta: meta.clone(),
            start: range.start,
            bytes: bytes.clone(),
        });
        Ok(answer(meta, range, bytes))
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        if let Some(tail) = self.tail(location) {
            let held: Option<Vec<Bytes>> = ranges.iter().map(|r| tail.slice(r)).collect();
            if let Some(held) = held {
                return Ok(held);
            }
        }
        match ranges {
            // DataFusion's footer read is one range: through `get_opts`, which keeps it when
            // it is a tail (only the response says the object's size).
            [one] => {
                let options = GetOptions {
                    range: Some(GetRange::Bounded(one.clone())),
                    ..Default::default()
                };
                Ok(vec![self.get_opts(location, options).await?.bytes().await?])
            }
            _ => self.inner.get_ranges(location, ranges).await,
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::memory::InMemory;
    use object_store::ObjectStoreExt;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts the reads that reach the store behind.
    #[derive(Debug)]
    struct Counted {
        inner: InMemory,
        reads: AtomicUsize,
    }

    impl fmt::Display for Counted {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "Counted")
        }
    }

    #[async_trait]
    impl ObjectStore for Counted {
        async fn put_opts(&self, l: &Path, p: PutPayload, o: PutOptions) -> Result<PutResult> {
            self.inner.put_opts(l, p, o).await
        }
        async fn put_multipart_opts(
            &self,
            l: &Path,
            o: PutMultipartOptions,
        ) -> Result<Box<dyn MultipartUpload>> {
            self.inner.put_multipart_opts(l, o).await
        }
        async fn get_opts(&self, l: &Path, o: GetOptions) -> Result<GetResult> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.inner.get_opts(l, o).await
        }
        async fn get_ranges(&self, l: &Path, r: &[Range<u64>]) -> Result<Vec<Bytes>> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.inner.get_ranges(l, r).await
        }
        fn delete_stream(
            &self,
            l: BoxStream<'static, Result<Path>>,
        ) -> BoxStream<'static, Result<Path>> {
            self.inner.delete_stream(l)
        }
        fn list(&self, p: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
            self.inner.list(p)
        }
        async fn list_with_delimiter(&self, p: Option<&Path>) -> Result<ListResult> {
            self.inner.list_with_delimiter(p).await
        }
        async fn copy_opts(&self, f: &Path, t: &Path, o: CopyOptions) -> Result<()> {
            self.inner.copy_opts(f, t, o).await
        }
    }

    #[tokio::test]
    async fn a_files_tail_is_read_once() {
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        let counted = Arc::new(Counted {
            inner: InMemory::new(),
            reads: AtomicUsize::new(0),
        });
        let path = Path::from("cloudtrail/a.parquet");
        counted
            .put(&path, PutPayload::from(data.clone()))
            .await
            .unwrap();
        let cache = TailCache::new(counted.clone());
        let reads = || counted.reads.load(Ordering::SeqCst);
        // The footer read (DataFusion asks for it as one range of `get_ranges`): 64 KiB up to
        // the end, kept.
        let footer = 935_536..1_000_000;
        let tail = cache
            .get_ranges(&path, std::slice::from_ref(&footer))
            .await
            .unwrap();
        assert_eq!(&tail[0][..], &data[935_536..]);
        assert_eq!(reads(), 1);
        // The page index inside it, alone and with another range: from memory.
        let index = cache.get_range(&path, 990_000..999_000).await.unwrap();
        assert_eq!(&index[..], &data[990_000..999_000]);
        let both = cache
            .get_ranges(&path, &[950_000..951_000, 999_990..1_000_000])
            .await
            .unwrap();
        assert_eq!(&both[0][..], &data[950_000..951_000]);
        assert_eq!(&both[1][..], &data[999_990..1_000_000]);
        assert_eq!(reads(), 1);
        // Anything outside the tail, or another file, goes to the store; a read that does not
        // end at the end is not kept.
        let early = cache.get_range(&path, 10..20).await.unwrap();
        assert_eq!(&early[..], &data[10..20]);
        let again = cache.get_range(&path, 10..20).await.unwrap();
        assert_eq!(again, early);
        assert_eq!(reads(), 3);
        let spanning = cache.get_range(&path, 900_000..940_000).await.unwrap();
        assert_eq!(&spanning[..], &data[900_000..940_000]);
        assert_eq!(reads(), 4);
    }
}
