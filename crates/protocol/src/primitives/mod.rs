//! Wire primitives: the bounds-checked [`Decoder`], the [`Encoder`], and the [`Wire`] trait that
//! maps each Rust field type to its classic or flexible (KIP-482) encoding.

pub mod decoder;
pub mod encoder;
pub mod tagged;
pub mod wire;

pub use decoder::Decoder;
pub use encoder::Encoder;
pub use tagged::RawTaggedField;
pub use wire::{Ctx, TestRng, VersionRange, Wire};

#[cfg(test)]
mod tests;
