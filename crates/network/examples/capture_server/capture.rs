//! Recording raw request frames: one file per frame, size prefix included, written before any
//! decoding, plus `noncanonical.txt` naming the frames that do not re-encode byte for byte.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use gregor_network::frame::SIZE_PREFIX_BYTES;
use gregor_protocol::{encode_request, ApiKey, RequestBody, RequestHeader};

/// Writes raw frames to the output directory.
pub(crate) struct Capture {
    /// File name prefix.
    pub(crate) client_tag: String,
    /// Output directory.
    pub(crate) out_dir: PathBuf,
    /// Next sequence number, shared by all connections so names sort in arrival order.
    pub(crate) next_seq: AtomicU64,
}

impl Capture {
    /// Records one frame payload (written back with its size prefix) under its API and version,
    /// read from the raw bytes so even frames that fail to decode are kept.
    pub(crate) fn record(&self, payload: &[u8]) -> std::io::Result<String> {
        let (api_name, version) = match payload {
            [k0, k1, v0, v1, ..] => {
                let code = i16::from_be_bytes([*k0, *k1]);
                let name = ApiKey::from_i16(code)
                    .map_or(format!("ApiKey{code}"), |key| key.name().to_string());
                (name, i16::from_be_bytes([*v0, *v1]))
            }
            _ => ("Short".to_string(), -1),
        };
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        let name = format!("{}-{api_name}-v{version}-{seq:04}.bin", self.client_tag);
        let mut bytes = Vec::with_capacity(SIZE_PREFIX_BYTES + payload.len());
        bytes.extend_from_slice(&(payload.len() as i32).to_be_bytes());
        bytes.extend_from_slice(payload);
        std::fs::write(self.out_dir.join(&name), bytes)?;
        Ok(name)
    }

    /// Notes in `noncanonical.txt` a frame that does not re-encode to the bytes received, so
    /// curation can tell client quirks (bytes after the body, which Kafka ignores) from codec
    /// bugs. One line per frame: file name, then the reason.
    pub(crate) fn check_canonical(
        &self,
        name: &str,
        payload: &Bytes,
        header: &RequestHeader,
        body: &RequestBody,
    ) {
        let reason = match encode_request(header, body) {
            Ok(again) if again == *payload => return,
            Ok(again) if payload.starts_with(&again) => {
                format!(
                    "trailing {} bytes after the body",
                    payload.len() - again.len()
                )
            }
            Ok(again) => {
                let first = again.iter().zip(payload.iter()).take_while(|(a, b)| a == b);
                format!("re-encoding differs at payload byte {}", first.count())
            }
            Err(e) => format!("re-encoding fails: {e}"),
        };
        self.note(name, &reason);
    }

    /// Appends `name reason` to `noncanonical.txt` (see [`Capture::check_canonical`]).
    pub(crate) fn note(&self, name: &str, reason: &str) {
        log::warn!("{name}: {reason}");
        let line = format!("{name} {reason}\n");
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.out_dir.join("noncanonical.txt"))
            .and_then(|mut file| std::io::Write::write_all(&mut file, line.as_bytes()));
        if let Err(e) = written {
            log::warn!("cannot note {name} as non-canonical: {e}");
        }
    }
}
