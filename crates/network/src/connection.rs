//! One client connection: a reader, a sequential request processor and an ordered writer, run
//! concurrently inside the connection's single task.
//!
//! ```text
//!  socket ─► reader ──(queue)──► processor ──(queue)──► writer ─► socket
//!            frames, admission    Service::call, encode   size + chunks, sendfile
//! ```
//!
//! At most `queued_max_requests_per_connection` requests are read and not yet answered; at that
//! bound the reader stops reading the socket (backpressure). Requests are handled one at a time
//! in arrival order, as Kafka does per connection, while the reader keeps pipelining frames in
//! and the writer sends finished responses in request order.
//!
//! Two ways to end: a *drain* (bad input, `Outcome::Close`, server shutdown) stops reading,
//! finishes what was already read and writes those responses, then closes; an *abort* (peer
//! closed, write failure, idle timeout) stops reading and writing at once and lets only the
//! handler call in progress run to completion, so a half-done append is never dropped midway.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gregor_protocol::frame::EncodedFrame;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::frame::FrameReader;
use crate::request::{admit, encode_fallback, encode_reply, Admission};
use crate::send::write_frame;
use crate::server::Shared;
use crate::service::{FileRegion, Outcome, RequestContext, Service};

/// A request admitted by the reader, waiting for the processor.
enum Work {
    /// A decoded request for the service.
    Request(Box<crate::request::Admitted>),
    /// An ApiVersions request at a version the broker does not support (KIP-511 answer).
    ApiVersionsFallback {
        /// Echoed in the answer.
        correlation_id: i32,
        /// Highest ApiVersions version the broker supports, listed in the answer.
        max_version: i16,
    },
}

/// An encoded response waiting for the writer.
struct Reply {
    /// Header + body, with external chunks for file regions.
    frame: EncodedFrame,
    /// The file regions the external chunks refer to.
    files: Vec<FileRegion>,
}

/// State shared by the three parts of one connection.
struct ConnState<S: Service> {
    /// Server-wide state (service, config, metrics, shutdown tokens).
    shared: Arc<Shared<S>>,
    /// Context copied into every request of this connection.
    context: RequestContext,
    /// Requests read but not yet answered; the reader takes a permit per frame.
    in_flight: Semaphore,
    /// `queued_max_requests_per_connection`, the permits `in_flight` started with.
    max_in_flight: usize,
    /// Stop reading, finish what was read (drain).
    stop_reading: CancellationToken,
    /// Stop reading and writing now (abort).
    abort: CancellationToken,
    /// When the connection started, the base of `last_activity_ms`.
    started: Instant,
    /// Milliseconds after `started` of the last byte read or response written.
    last_activity_ms: AtomicU64,
}

impl<S: Service> ConnState<S> {
    fn touch(&self) {
        let now_ms = self.started.elapsed().as_millis() as u64;
        self.last_activity_ms.store(now_ms, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_activity_ms.load(Ordering::Relaxed));
        self.started.elapsed().saturating_sub(last)
    }

    fn requests_in_flight(&self) -> usize {
        self.max_in_flight - self.in_flight.available_permits()
    }

    /// A request finished without a response still to write.
    fn request_done(&self) {
        self.in_flight.add_permits(1);
    }
}

/// Serves one accepted connection until it closes.
pub(crate) async fn serve<S: Service>(
    stream: TcpStream,
    context: RequestContext,
    shared: Arc<Shared<S>>,
) {
    let max_in_flight = shared.config.queued_max_requests_per_connection.max(1);
    let state = ConnState {
        abort: shared.force_close.child_token(),
        shared,
        context,
        in_flight: Semaphore::new(max_in_flight),
        max_in_flight,
        stop_reading: CancellationToken::new(),
        started: Instant::now(),
        last_activity_ms: AtomicU64::new(0),
    };
    let (read_half, write_half) = stream.into_split();
    let (work_tx, work_rx) = mpsc::channel(max_in_flight);
    let (reply_tx, reply_rx) = mpsc::channel(max_in_flight);
    let force_close = state.shared.force_close.clone();
    tokio::select! {
        _ = force_close.cancelled() => {}
        _ = async {
            tokio::join!(
                read_loop(&state, read_half, work_tx),
                process_loop(&state, work_rx, reply_tx),
                write_loop(&state, write_half, reply_rx),
            )
        } => {}
    }
    log::debug!(
        "closed connection {} from {}",
        state.context.connection_id,
        state.context.peer_addr
    );
}

/// Reads frames, admits them, queues them for the processor.
async fn read_loop<S: Service>(
    state: &ConnState<S>,
    read_half: OwnedReadHalf,
    work_tx: mpsc::Sender<Work>,
) {
    let shared = &state.shared;
    let mut reader = FrameReader::new(read_half, shared.config.socket_request_max_bytes);
    loop {
        let permit = tokio::select! {
            biased;
            _ = state.abort.cancelled() => return,
            _ = state.stop_reading.cancelled() => return,
            _ = shared.shutdown.cancelled() => return,
            permit = state.in_flight.acquire() => permit,
        };
        match permit {
            Ok(permit) => permit.forget(),
            Err(_) => return,
        }
        let frame = tokio::select! {
            biased;
            _ = state.abort.cancelled() => return,
            _ = state.stop_reading.cancelled() => return,
            _ = shared.shutdown.cancelled() => return,
            frame = next_frame_or_idle(state, &mut reader) => frame,
        };
        let frame = match frame {
            ReadResult::Frame(frame) => frame,
            ReadResult::Closed | ReadResult::Idle => {
                state.abort.cancel();
                return;
            }
            ReadResult::Bad(reason) => {
                log::warn!(
                    "Closing connection {} from {} on listener {}: {reason}",
                    state.context.connection_id,
                    state.context.peer_addr,
                    state.context.listener_name
                );
                shared.metrics.bad_request();
                return;
            }
        };
        let work = match admit(
            shared.service.as_ref(),
            &shared.metrics,
            &state.context,
            frame,
        ) {
            Admission::Serve(admitted) => Work::Request(admitted),
            Admission::ApiVersionsFallback {
                correlation_id,
                max_version,
            } => Work::ApiVersionsFallback {
                correlation_id,
                max_version,
            },
            Admission::Reject(reason) => {
                log::warn!(
                    "Closing connection {} from {} on listener {} due to invalid request: {reason}",
                    state.context.connection_id,
                    state.context.peer_addr,
                    state.context.listener_name
                );
                shared.metrics.bad_request();
                return;
            }
        };
        if work_tx.send(work).await.is_err() {
            return;
        }
    }
}

/// What the reader got from the socket.
enum ReadResult {
    /// A complete frame payload.
    Frame(bytes::Bytes),
    /// The peer closed (or the socket failed) between frames.
    Closed,
    /// `connections.max.idle.ms` passed with no traffic and nothing in flight.
    Idle,
    /// Framing failed; the text is the log line.
    Bad(String),
}

/// The next frame, unless the connection stays idle past `connections.max.idle.ms`.
async fn next_frame_or_idle<S: Service>(
    state: &ConnState<S>,
    reader: &mut FrameReader<OwnedReadHalf>,
) -> ReadResult {
    let idle_timeout = state.shared.config.idle_timeout();
    loop {
        let bytes_before = reader.bytes_read();
        let wait = idle_timeout.saturating_sub(state.idle_for());
        match tokio::time::timeout(wait, reader.next_frame()).await {
            Ok(Ok(Some(frame))) => {
                state.touch();
                return ReadResult::Frame(frame);
            }
            Ok(Ok(None)) => return ReadResult::Closed,
            Ok(Err(crate::frame::FrameError::Io(e))) => {
                log::debug!(
                    "connection {} read failed: {e}",
                    state.context.connection_id
                );
                return ReadResult::Closed;
            }
            Ok(Err(e)) => return ReadResult::Bad(e.to_string()),
            Err(_elapsed) => {
                if reader.bytes_read() != bytes_before {
                    // Part of a frame arrived: that is traffic.
                    state.touch();
                } else if state.requests_in_flight() > 1 {
                    // This read holds one permit; more means a response is pending, which is
                    // not idleness. Restart the clock from now.
                    state.touch();
                } else if state.idle_for() >= idle_timeout {
                    log::debug!(
                        "Closing idle connection {} from {}",
                        state.context.connection_id,
                        state.context.peer_addr
                    );
                    state.shared.metrics.idle_close();
                    return ReadResult::Idle;
                }
            }
        }
    }
}

/// Calls the service for each request in order and queues encoded responses.
async fn process_loop<S: Service>(
    state: &ConnState<S>,
    mut work_rx: mpsc::Receiver<Work>,
    reply_tx: mpsc::Sender<Reply>,
) {
    while let Some(work) = work_rx.recv().await {
        if state.abort.is_cancelled() {
            return;
        }
        let reply = match work {
            Work::ApiVersionsFallback {
                correlation_id,
                max_version,
            } => encode_fallback(correlation_id, max_version).map(|frame| Reply {
                frame,
                files: Vec::new(),
            }),
            Work::Request(admitted) => {
                let (correlation_id, api_key, version) = admitted.identity();
                let outcome = state
                    .shared
                    .service
                    .call(admitted.context, admitted.header, admitted.body)
                    .await;
                match outcome {
                    Outcome::Respond(response) => {
                        encode_reply(correlation_id, api_key, version, &response.body).map(
                            |frame| Reply {
                                frame,
                                files: response.files,
                            },
                        )
                    }
                    Outcome::NoResponse => {
                        state.request_done();
                        continue;
                    }
                    Outcome::Close(reason) => {
                        log::info!(
                            "Closing connection {} from {} at the handler's request: {reason}",
                            state.context.connection_id,
                            state.context.peer_addr
                        );
                        state.stop_reading.cancel();
                        return;
                    }
                }
            }
        };
        match reply {
            Ok(reply) => {
                if reply_tx.send(reply).await.is_err() {
                    return;
                }
            }
            Err(e) => {
                log::error!(
                    "Closing connection {}: response could not be encoded: {e}",
                    state.context.connection_id
                );
                state.stop_reading.cancel();
                return;
            }
        }
    }
}

/// Writes responses in the order the processor produced them.
async fn write_loop<S: Service>(
    state: &ConnState<S>,
    mut write_half: OwnedWriteHalf,
    mut reply_rx: mpsc::Receiver<Reply>,
) {
    let use_sendfile = state.shared.config.use_sendfile;
    loop {
        let reply = tokio::select! {
            biased;
            _ = state.abort.cancelled() => return,
            reply = reply_rx.recv() => match reply {
                Some(reply) => reply,
                None => return,
            },
        };
        let written = tokio::select! {
            biased;
            _ = state.abort.cancelled() => return,
            written = write_frame(&mut write_half, &reply.frame, &reply.files, use_sendfile) => written,
        };
        match written {
            Ok(stats) => {
                state.shared.metrics.sent(stats.bytes_written);
                state.touch();
                state.request_done();
            }
            Err(e) => {
                log::warn!(
                    "Closing connection {} from {}: {e}",
                    state.context.connection_id,
                    state.context.peer_addr
                );
                state.abort.cancel();
                return;
            }
        }
    }
}
