//! Sockets, framing, request limits and zero-copy sends.
