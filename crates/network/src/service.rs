//! The boundary between the network and the request handlers.
//!
//! The network decodes a frame, checks the API key and version against [`Service`], and hands
//! the request to [`Service::call`]; the handler answers with an [`Outcome`]. This module owns
//! those types only; it performs no I/O.

use std::fs::File;
use std::future::Future;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::sync::Arc;

use gregor_protocol::{ApiKey, RequestBody, RequestHeader, ResponseBody};

/// What the broker's request handlers implement.
pub trait Service: Send + Sync + 'static {
    /// Version range this broker implements for an API, or `None` if the key is not served.
    /// Requests outside it close the connection, except ApiVersions, which gets the KIP-511
    /// answer built from this range.
    fn supported_versions(&self, api_key: ApiKey) -> Option<RangeInclusive<i16>>;

    /// Handles one request. Requests of one connection are called strictly one after another,
    /// in arrival order; a handler that waits (long-poll fetch) delays only its own connection.
    fn call(
        &self,
        ctx: RequestContext,
        header: RequestHeader,
        body: RequestBody,
    ) -> impl Future<Output = Outcome> + Send;
}

/// Where a request came from.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// Unique id of the connection within this server, for logs and per-connection state.
    pub connection_id: u64,
    /// The client's address.
    pub peer_addr: SocketAddr,
    /// The broker's address the client connected to.
    pub local_addr: SocketAddr,
    /// Name of the listener (`PLAINTEXT`), which selects advertised endpoints in Metadata.
    pub listener_name: Arc<str>,
    /// `client_id` from the request header, if the client sent one.
    pub client_id: Option<String>,
}

/// A handler's decision about one request.
#[derive(Debug)]
pub enum Outcome {
    /// Send this response (in request order).
    Respond(Response),
    /// Send nothing, as for Produce with `acks = 0`.
    NoResponse,
    /// Close the connection after the responses of earlier requests are written.
    Close(String),
}

/// A response body plus the file regions its `External` record chunks refer to.
#[derive(Debug)]
pub struct Response {
    /// The body to encode at the request's version.
    pub body: ResponseBody,
    /// Regions referenced by index from `RecordsData::External { id, .. }`.
    pub files: Vec<FileRegion>,
}

impl Response {
    /// A response without file regions.
    pub fn new(body: ResponseBody) -> Self {
        Response {
            body,
            files: Vec::new(),
        }
    }
}

/// Bytes of a file sent with sendfile(2) as part of a response.
#[derive(Debug, Clone)]
pub struct FileRegion {
    /// The open file (a log segment); shared so the segment can be rolled meanwhile.
    pub file: Arc<File>,
    /// Byte offset of the region in the file.
    pub position: u64,
    /// Length of the region; if the file holds fewer bytes the connection is closed.
    pub len: u32,
}
