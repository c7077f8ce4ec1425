//! Rendered results, kept in memory: a stored assessment never changes, so its results page and
//! its JSON are rendered (and gzipped) once and then served as bytes, without SQLite, askama or
//! a compressor on the way.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use flate2::Compression;
use flate2::write::GzEncoder;
use quick_cache::Weighter;
use quick_cache::sync::Cache;

use crate::assessment::is_well_formed_id;
use crate::error::{AppError, Result};

/// Memory the cache may hold, counted in body bytes (both encodings). A results page is about
/// 40 KB plain and 9 KB gzipped, so this keeps several hundred recent pages within a small
/// part of the server's memory budget.
pub const DEFAULT_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// Which rendering of an assessment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Page,
    Json,
}

impl Kind {
    fn content_type(self) -> HeaderValue {
        match self {
            Kind::Page => HeaderValue::from_static("text/html; charset=utf-8"),
            Kind::Json => HeaderValue::from_static("application/json"),
        }
    }
}

/// Ids are 22 ASCII characters, so a key fits in a few machine words and costs no allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    kind: Kind,
    id: [u8; 22],
}

impl Key {
    fn new(kind: Kind, id: &str) -> Option<Self> {
        if !is_well_formed_id(id) {
            return None;
        }
        Some(Self {
            kind,
            id: id.as_bytes().try_into().ok()?,
        })
    }
}

/// One rendering in both encodings; cloning shares the bytes.
#[derive(Clone)]
pub struct Rendered {
    pub identity: Bytes,
    pub gzip: Bytes,
}

impl Rendered {
    /// Keeps `body` and its gzip encoding (default level, as the compression layer would use).
    pub fn new(body: Vec<u8>) -> Result<Self> {
        let mut encoder =
            GzEncoder::new(Vec::with_capacity(body.len() / 4), Compression::default());
        encoder
            .write_all(&body)
            .map_err(|e| AppError::Internal(e.into()))?;
        let gzip = encoder.finish().map_err(|e| AppError::Internal(e.into()))?;
        Ok(Self {
            identity: Bytes::from(body),
            gzip: Bytes::from(gzip),
        })
    }
}

#[derive(Clone)]
struct ByBytes;

impl Weighter<Key, Rendered> for ByBytes {
    fn weight(&self, _key: &Key, value: &Rendered) -> u64 {
        (value.identity.len() + value.gzip.len() + size_of::<Key>()) as u64
    }
}

/// Bounded by bytes; an entry is only ever added for an assessment that exists.
pub struct ResultCache {
    entries: Cache<Key, Rendered, ByBytes>,
    /// Bumped whenever assessments are deleted; a rendering begun before a bump is not kept.
    generation: AtomicU64,
}

impl ResultCache {
    pub fn new(max_bytes: u64) -> Self {
        // About 50 KB an entry; the estimate only sizes the table.
        let estimated_items = usize::try_from(max_bytes / 50_000).unwrap_or(1024).max(16);
        Self {
            entries: Cache::with_weighter(estimated_items, max_bytes, ByBytes),
            generation: AtomicU64::new(0),
        }
    }

    /// The rendering of `id`, from memory or else from `render`, which is run once even when
    /// many requests ask for the same id at the same time. Ids that cannot be ours are
    /// [`AppError::NotFound`] without calling `render`.
    pub async fn get_or_render<F>(&self, kind: Kind, id: &str, render: F) -> Result<Rendered>
    where
        F: Future<Output = Result<Vec<u8>>>,
    {
        let key = Key::new(kind, id).ok_or(AppError::NotFound)?;
        match self.entries.get_value_or_guard_async(&key).await {
            Ok(hit) => Ok(hit),
            Err(guard) => {
                let generation = self.generation.load(Ordering::SeqCst);
                let rendered = Rendered::new(render.await?)?;
                let _ = guard.insert(rendered.clone());
                // A deletion that raced with this render may have missed the entry just added.
                if self.generation.load(Ordering::SeqCst) != generation {
                    self.entries.remove(&key);
                }
                Ok(rendered)
            }
        }
    }

    /// Forgets every rendering; called after assessments are deleted.
    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.entries.clear();
    }

    /// Forgets both renderings of `id`; called when it was deleted.
    pub fn forget(&self, id: &str) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        for kind in [Kind::Page, Kind::Json] {
            if let Some(key) = Key::new(kind, id) {
                self.entries.remove(&key);
            }
        }
    }

    /// Body bytes held now.
    pub fn weight(&self) -> u64 {
        self.entries.weight()
    }
}

impl Default for ResultCache {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_BYTES)
    }
}

/// True when the request's `Accept-Encoding` admits gzip (`gzip`, `x-gzip` or `*`, q above 0).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or("");
            let wanted = coding.eq_ignore_ascii_case("gzip")
                || coding.eq_ignore_ascii_case("x-gzip")
                || coding == "*";
            wanted
                && parts
                    .filter_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
                    .all(|q| q.trim().parse::<f32>().is_ok_and(|q| q > 0.0))
        })
}

/// A `200` with the encoding the client accepts. The gzip bytes carry `Content-Encoding`, which
/// the compression layer leaves alone; both variants say they vary by `Accept-Encoding`.
pub fn respond(kind: Kind, rendered: Rendered, request: &HeaderMap) -> Response {
    let gzip = accepts_gzip(request);
    let mut response = Response::new(Body::from(if gzip {
        rendered.gzip
    } else {
        rendered.identity
    }));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, kind.content_type());
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if gzip {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        h
    }

    #[test]
    fn gzip_is_chosen_only_when_the_client_admits_it() {
        assert!(accepts_gzip(&accept("gzip")));
        assert!(accepts_gzip(&accept("gzip, deflate, br, zstd")));
        assert!(accepts_gzip(&accept("br;q=1.0, gzip;q=0.8")));
        assert!(accepts_gzip(&accept("*")));
        assert!(!accepts_gzip(&HeaderMap::new()));
        assert!(!accepts_gzip(&accept("br")));
        assert!(!accepts_gzip(&accept("gzip;q=0")));
        assert!(!accepts_gzip(&accept("gzip;q=0.000")));
        assert!(!accepts_gzip(&accept("identity")));
        assert!(!accepts_gzip(&accept("gzipped")));
    }

    #[test]
    fn the_gzip_copy_decodes_to_the_plain_body() {
        use std::io::Read;
        let body = "<p>the same report</p>".repeat(500).into_bytes();
        let r = Rendered::new(body.clone()).unwrap();
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&r.gzip[..])
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, body);
        assert!(r.gzip.len() < body.len() / 10);
    }

    #[tokio::test]
    async fn a_cached_rendering_is_not_rendered_again_until_cleared() {
        let cache = ResultCache::new(1024 * 1024);
        let id = "abcdefghijklmnopqrstuv";
        let first = cache
            .get_or_render(Kind::Page, id, async { Ok(b"first".to_vec()) })
            .await
            .unwrap();
        let second = cache
            .get_or_render(Kind::Page, id, async { Ok(b"second".to_vec()) })
            .await
            .unwrap();
        assert_eq!(
            (&first.identity[..], &second.identity[..]),
            (&b"first"[..], &b"first"[..])
        );
        let json = cache
            .get_or_render(Kind::Json, id, async { Ok(b"{}".to_vec()) })
            .await
            .unwrap();
        assert_eq!(&json.identity[..], b"{}");
        cache.clear();
        let third = cache
            .get_or_render(Kind::Page, id, async { Ok(b"third".to_vec()) })
            .await
            .unwrap();
        assert_eq!(&third.identity[..], b"third");
    }

    #[tokio::test]
    async fn forgetting_an_id_drops_both_its_renderings_and_no_other() {
        let cache = ResultCache::new(1024 * 1024);
        let (gone, kept) = ("abcdefghijklmnopqrstuv", "bcdefghijklmnopqrstuvw");
        for id in [gone, kept] {
            for kind in [Kind::Page, Kind::Json] {
                cache
                    .get_or_render(kind, id, async { Ok(b"old".to_vec()) })
                    .await
                    .unwrap();
            }
        }
        cache.forget(gone);
        for kind in [Kind::Page, Kind::Json] {
            let again = cache
                .get_or_render(kind, gone, async { Err(AppError::Gone) })
                .await;
            assert!(matches!(again, Err(AppError::Gone)), "{kind:?}");
            let still = cache
                .get_or_render(kind, kept, async { Err(AppError::Gone) })
                .await
                .unwrap();
            assert_eq!(&still.identity[..], b"old");
        }
    }

    #[tokio::test]
    async fn errors_and_malformed_ids_are_not_kept() {
        let cache = ResultCache::new(1024 * 1024);
        let id = "abcdefghijklmnopqrstuv";
        let missing = cache
            .get_or_render(Kind::Json, id, async { Err(AppError::NotFound) })
            .await;
        assert!(matches!(missing, Err(AppError::NotFound)));
        let found = cache
            .get_or_render(Kind::Json, id, async { Ok(b"{}".to_vec()) })
            .await
            .unwrap();
        assert_eq!(&found.identity[..], b"{}");
        let bad = cache
            .get_or_render(Kind::Json, "../etc/passwd", async { Ok(Vec::new()) })
            .await;
        assert!(matches!(bad, Err(AppError::NotFound)));
    }

    #[tokio::test]
    async fn the_cache_stays_within_its_byte_bound() {
        let cache = ResultCache::new(200_000);
        for i in 0..100u32 {
            let id = format!("{i:0>22}");
            cache
                .get_or_render(Kind::Page, &id, async { Ok(vec![b'x'; 10_000]) })
                .await
                .unwrap();
        }
        assert!(cache.weight() <= 200_000, "{}", cache.weight());
    }
}
