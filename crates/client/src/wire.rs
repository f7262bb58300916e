//! The socket side of one broker connection: a writer task that frames requests onto the socket
//! and a reader task that reads response frames and hands each to the request at the front of
//! the in-flight queue. Kafka answers the requests of one connection strictly in order (§1.1),
//! so the queue order is the write order and each response must carry the front's correlation
//! id; anything else is a protocol violation that closes the connection.
//!
//! Failure rule: when the connection dies (EOF, I/O error, protocol violation, timeout, close)
//! every request still in flight is failed with `Disconnected`, and later sends fail the same way.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use gregor_protocol::{decode_response, ApiKey, ResponseBody};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use crate::error::ClientError;

/// Where a response (or the failure of its request) is delivered.
pub(crate) type Reply = oneshot::Sender<Result<ResponseBody, ClientError>>;

/// A written request waiting for its response.
pub(crate) struct Pending {
    /// Must match the response header's correlation id.
    pub correlation_id: i32,
    /// API of the request, to decode the response.
    pub api_key: ApiKey,
    /// Version of the request, to decode the response.
    pub version: i16,
    /// Where the decoded response goes.
    pub reply: Reply,
    /// Held until the response arrives: bounds the requests in flight.
    pub permit: OwnedSemaphorePermit,
}

/// Work for the writer task.
pub(crate) enum Outgoing {
    /// A request whose response the reader will match.
    Request {
        /// Request header + body, without the size prefix.
        frame: Bytes,
        /// What the reader needs when the response comes.
        pending: Pending,
    },
    /// A request Kafka never answers (Produce acks = 0); `written` fires once it is on the socket.
    NoResponse {
        /// Request header + body, without the size prefix.
        frame: Bytes,
        /// Reports the write's outcome.
        written: oneshot::Sender<Result<(), ClientError>>,
    },
}

/// The in-flight queue and whether the connection is dead, under one lock so a request can
/// never be queued after the queue was failed.
#[derive(Default)]
struct InFlight {
    /// Set once; nothing is queued afterwards.
    closed: bool,
    /// Written requests in write order.
    queue: VecDeque<Pending>,
}

/// State shared by the connection handle and its two tasks.
struct Shared {
    /// Broker address, for errors and logs.
    addr: String,
    /// See [`InFlight`].
    in_flight: Mutex<InFlight>,
    /// The in-flight bound; closed when the connection dies so waiters stop waiting.
    permits: Arc<Semaphore>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, InFlight> {
        // A poisoned lock only means a panic elsewhere; the queue itself is still consistent.
        self.in_flight
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues a request about to be written; false (dropping it) if the connection is dead.
    fn push(&self, pending: Pending) -> bool {
        let mut in_flight = self.lock();
        if in_flight.closed {
            return false;
        }
        in_flight.queue.push_back(pending);
        true
    }

    /// Marks the connection dead and fails everything in flight with `Disconnected`.
    fn fail_all(&self, reason: &str) {
        let drained: Vec<Pending> = {
            let mut in_flight = self.lock();
            if !in_flight.closed {
                log::debug!("[Client] disconnected from {}: {reason}", self.addr);
            }
            in_flight.closed = true;
            in_flight.queue.drain(..).collect()
        };
        self.permits.close();
        for pending in drained {
            let _ = pending.reply.send(Err(self.disconnected()));
        }
    }

    fn disconnected(&self) -> ClientError {
        ClientError::Disconnected {
            addr: self.addr.clone(),
        }
    }
}

/// One live socket with its reader and writer tasks. Dropping it closes the socket.
pub(crate) struct Wire {
    /// Shared with the tasks.
    shared: Arc<Shared>,
    /// Requests for the writer task; bounded like the in-flight queue.
    outgoing: mpsc::Sender<Outgoing>,
    /// The reader and writer tasks, aborted on close so the socket is released at once.
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Wire {
    /// Starts the reader and writer tasks on `stream`.
    pub fn start(
        stream: TcpStream,
        addr: String,
        max_in_flight: usize,
        max_response_bytes: usize,
    ) -> Self {
        let shared = Arc::new(Shared {
            addr,
            in_flight: Mutex::new(InFlight::default()),
            permits: Arc::new(Semaphore::new(max_in_flight.max(1))),
        });
        let (read_half, write_half) = stream.into_split();
        let (outgoing, receiver) = mpsc::channel(max_in_flight.max(1));
        let reader = tokio::spawn(read_loop(
            BufReader::new(read_half),
            Arc::clone(&shared),
            max_response_bytes,
        ));
        let writer = tokio::spawn(write_loop(
            BufWriter::new(write_half),
            receiver,
            Arc::clone(&shared),
        ));
        Self {
            shared,
            outgoing,
            tasks: Mutex::new(vec![reader, writer]),
        }
    }

    /// Waits for a free in-flight slot; fails once the connection is dead.
    pub async fn acquire_slot(&self) -> Result<OwnedSemaphorePermit, ClientError> {
        Arc::clone(&self.shared.permits)
            .acquire_owned()
            .await
            .map_err(|_| self.shared.disconnected())
    }

    /// Hands a request to the writer task.
    pub async fn submit(&self, outgoing: Outgoing) -> Result<(), ClientError> {
        if self.is_closed() {
            return Err(self.shared.disconnected());
        }
        self.outgoing
            .send(outgoing)
            .await
            .map_err(|_| self.shared.disconnected())
    }

    /// Requests written and not yet answered.
    pub fn in_flight_count(&self) -> usize {
        self.shared.lock().queue.len()
    }

    /// True once the connection is dead.
    pub fn is_closed(&self) -> bool {
        self.shared.lock().closed
    }

    /// Closes the socket and fails everything in flight.
    pub fn close(&self, reason: &str) {
        self.shared.fail_all(reason);
        let tasks = std::mem::take(
            &mut *self
                .tasks
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        for task in tasks {
            task.abort();
        }
    }

    /// The `Disconnected` error of this connection.
    pub fn disconnected(&self) -> ClientError {
        self.shared.disconnected()
    }
}

impl Drop for Wire {
    fn drop(&mut self) {
        self.close("connection dropped");
    }
}

/// Writes queued requests, batching whatever is already waiting into one flush.
async fn write_loop(
    mut writer: BufWriter<OwnedWriteHalf>,
    mut receiver: mpsc::Receiver<Outgoing>,
    shared: Arc<Shared>,
) {
    while let Some(first) = receiver.recv().await {
        let mut next = Some(first);
        let mut written = Vec::new();
        let mut result = Ok(());
        while let Some(item) = next.take() {
            let frame = match item {
                Outgoing::Request { frame, pending } => {
                    // Queue before writing, so the reader always finds the request first.
                    if !shared.push(pending) {
                        return;
                    }
                    frame
                }
                Outgoing::NoResponse {
                    frame,
                    written: ack,
                } => {
                    written.push(ack);
                    frame
                }
            };
            result = write_frame(&mut writer, &frame).await;
            if result.is_err() {
                break;
            }
            next = receiver.try_recv().ok();
        }
        if result.is_ok() {
            result = writer.flush().await;
        }
        match result {
            Ok(()) => {
                for ack in written {
                    let _ = ack.send(Ok(()));
                }
            }
            Err(error) => {
                for ack in written {
                    let _ = ack.send(Err(shared.disconnected()));
                }
                shared.fail_all(&format!("write failed: {error}"));
                return;
            }
        }
    }
}

async fn write_frame(writer: &mut BufWriter<OwnedWriteHalf>, frame: &[u8]) -> std::io::Result<()> {
    let size = i32::try_from(frame.len())
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "frame too large"))?;
    writer.write_all(&size.to_be_bytes()).await?;
    writer.write_all(frame).await
}

/// Reads response frames and delivers each to the request at the front of the queue.
async fn read_loop(mut reader: BufReader<OwnedReadHalf>, shared: Arc<Shared>, max_bytes: usize) {
    let reason = loop {
        let frame = match read_frame(&mut reader, max_bytes).await {
            Ok(frame) => frame,
            Err(reason) => break reason,
        };
        let correlation_id = i32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]]);
        let Some(pending) = shared.lock().queue.pop_front() else {
            break format!("response {correlation_id} with no request in flight");
        };
        if pending.correlation_id != correlation_id {
            let reason = format!(
                "correlation id {correlation_id} does not match the request in flight ({})",
                pending.correlation_id
            );
            let _ = pending.reply.send(Err(ClientError::Protocol {
                addr: shared.addr.clone(),
                reason: reason.clone(),
            }));
            break reason;
        }
        let decoded = decode_response(pending.api_key, pending.version, frame)
            .map(|(_, body)| body)
            .map_err(ClientError::from);
        drop(pending.permit);
        let _ = pending.reply.send(decoded);
    };
    shared.fail_all(&reason);
}

/// One size-prefixed frame; the size is checked (at least a correlation id, at most
/// `max_bytes`) before anything is allocated.
async fn read_frame(
    reader: &mut BufReader<OwnedReadHalf>,
    max_bytes: usize,
) -> Result<Bytes, String> {
    let size = match reader.read_i32().await {
        Ok(size) => size,
        Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Err("connection closed by the broker".to_string())
        }
        Err(error) => return Err(format!("read failed: {error}")),
    };
    let size = usize::try_from(size).map_err(|_| format!("negative frame size {size}"))?;
    if !(4..=max_bytes).contains(&size) {
        return Err(format!(
            "response frame size {size} outside 4..={max_bytes}"
        ));
    }
    let mut payload = vec![0u8; size];
    reader
        .read_exact(&mut payload)
        .await
        .map_err(|error| format!("read failed mid-frame: {error}"))?;
    Ok(Bytes::from(payload))
}
