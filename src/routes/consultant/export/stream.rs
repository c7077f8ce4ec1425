//! Streaming an export: a spawned task reads the query row by row and sends small chunks
//! through a bounded channel, so memory does not grow with the number of rows, and a client
//! that goes away stops the query.

use axum::body::{Body, Bytes};
use tokio::sync::mpsc;

use crate::db::Db;
use crate::db::review::{self, ExportRow, Filter};

/// Bytes gathered before a chunk is sent: a few dozen rows.
pub(super) const CHUNK_BYTES: usize = 16 * 1024;
/// Chunks that may wait in the channel while the client reads.
const CHANNEL_CHUNKS: usize = 4;

/// Turns export rows into bytes, keeping what it has written until `take`.
pub(super) trait Encoder: Send + 'static {
    fn row(&mut self, row: ExportRow) -> anyhow::Result<()>;
    fn finish(&mut self) -> anyhow::Result<()>;
    fn buffered(&self) -> usize;
    fn take(&mut self) -> anyhow::Result<Vec<u8>>;
}

/// Why producing stopped early.
enum Stop {
    ClientGone,
    Failed(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for Stop {
    fn from(e: E) -> Self {
        Stop::Failed(e.into())
    }
}

type Chunk = std::result::Result<Bytes, std::io::Error>;

/// Runs the export query in a task and returns the body that streams its encoded rows.
pub(super) fn stream_export(db: Db, filter: &Filter, mut encoder: impl Encoder) -> Body {
    let filter = filter.clone();
    let (tx, mut rx) = mpsc::channel::<Chunk>(CHANNEL_CHUNKS);
    tokio::spawn(async move {
        match produce(&db, &filter, &mut encoder, &tx).await {
            Ok(rows) => tracing::debug!(rows, "export finished"),
            Err(Stop::ClientGone) => tracing::debug!("export stopped: the client went away"),
            Err(Stop::Failed(e)) => {
                tracing::error!(error = ?e, "export failed");
                // An error ends the body abruptly, so the client sees a broken download rather
                // than a file that looks complete.
                let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
            }
        }
    });
    // The compression layer polls the body again after its end; the receiver keeps answering
    // `None` then, where `unfold` panicked and cut every compressed download short.
    Body::from_stream(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}

async fn produce(
    db: &Db,
    filter: &Filter,
    encoder: &mut impl Encoder,
    tx: &mpsc::Sender<Chunk>,
) -> std::result::Result<u64, Stop> {
    let count = review::export_each(db, filter, &mut Sink { encoder, tx }).await?;
    encoder.finish()?;
    send(tx, encoder.take()?).await?;
    Ok(count)
}

/// Encodes the rows and sends a chunk whenever enough bytes are gathered.
struct Sink<'a, E> {
    encoder: &'a mut E,
    tx: &'a mpsc::Sender<Chunk>,
}

impl<E: Encoder> review::ExportSink for Sink<'_, E> {
    type Error = Stop;

    async fn row(&mut self, row: ExportRow) -> std::result::Result<(), Stop> {
        self.encoder.row(row)?;
        if self.encoder.buffered() >= CHUNK_BYTES {
            send(self.tx, self.encoder.take()?).await?;
        }
        Ok(())
    }
}

async fn send(tx: &mpsc::Sender<Chunk>, bytes: Vec<u8>) -> std::result::Result<(), Stop> {
    if bytes.is_empty() {
        return Ok(());
    }
    tx.send(Ok(Bytes::from(bytes)))
        .await
        .map_err(|_| Stop::ClientGone)
}
