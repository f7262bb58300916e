//! The message-definition DSL. Every request and response struct is written once with
//! [`message!`]; the macro generates the struct, `Default`, and its [`Wire`] impl (decode,
//! encode, normalize, random).
//!
//! Field syntax: `name: Type = (VERSIONS [, null: VERSIONS] [, tag: N] [, def: EXPR] [, strict: true])`
//! * `VERSIONS` are Rust ranges of i16 (`0..`, `2..=4`) or `NEVER`: where the field is on the wire;
//! * `null:` the versions where null is legal (the Rust type is then an `Option`);
//! * `tag: N` makes it a tagged field (flexible versions only) with tag `N`;
//! * `def:` the value readers substitute when the field is absent (else the type's default);
//! * `strict: true` makes encoding fail when a version cannot carry a non-default value (§1.8);
//!   other fields are "ignorable" and silently dropped, as Kafka's `toStruct` path does.
//!
//! [`Wire`]: crate::primitives::Wire

/// Defines one message struct; see the module docs for the syntax.
macro_rules! message {
    (@default) => { Default::default() };
    (@default $d:expr) => { $d };
    (@is_tagged) => { false };
    (@is_tagged $t:expr) => { true };
    (@nullable $v:expr;) => { false };
    (@nullable $v:expr; $n:expr) => { $crate::primitives::VersionRange::has(&($n), $v) };
    (@strict) => { false };
    (@strict $s:expr) => { $s };
    (
        $(#[$meta:meta])*
        $name:ident {
            $(
                $(#[$fmeta:meta])*
                $field:ident : $ty:ty = (
                    $vers:expr
                    $(, null: $null:expr)?
                    $(, tag: $tag:expr)?
                    $(, def: $def:expr)?
                    $(, strict: $strict:expr)?
                )
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
            /// Tagged fields this codec does not know, kept so that re-encoding is byte-exact.
            pub unknown_tagged_fields: Vec<$crate::primitives::RawTaggedField>,
        }

        impl Default for $name {
            fn default() -> Self {
                Self {
                    $( $field: message!(@default $($def)?), )*
                    unknown_tagged_fields: Vec::new(),
                }
            }
        }

        impl $crate::primitives::Wire for $name {
            #[allow(unused_variables, unused_mut)]
            fn decode(
                decoder: &mut $crate::primitives::Decoder,
                ctx: $crate::primitives::Ctx,
            ) -> Result<Self, $crate::error::DecodeError> {
                #[allow(unused_imports)]
                use $crate::primitives::{VersionRange, Wire};
                let mut this = Self::default();
                $(
                    if !message!(@is_tagged $($tag)?) && VersionRange::has(&($vers), ctx.version) {
                        this.$field = Wire::decode(
                            decoder,
                            ctx.field(message!(@nullable ctx.version; $($null)?)),
                        )?;
                    }
                )*
                if ctx.flexible {
                    let mut unknown = Vec::new();
                    $crate::primitives::tagged::read_section(decoder, &mut unknown, |tag, value| {
                        $($(
                            if tag == $tag && VersionRange::has(&($vers), ctx.version) {
                                this.$field = Wire::decode(value, ctx.field(false))?;
                                return Ok(true);
                            }
                        )?)*
                        Ok(false)
                    })?;
                    this.unknown_tagged_fields = unknown;
                }
                Ok(this)
            }

            #[allow(unused_variables, unused_mut)]
            fn encode(
                &self,
                encoder: &mut $crate::primitives::Encoder,
                ctx: $crate::primitives::Ctx,
            ) -> Result<(), $crate::error::EncodeError> {
                #[allow(unused_imports)]
                use $crate::primitives::{VersionRange, Wire};
                $(
                    if !message!(@is_tagged $($tag)?) {
                        if VersionRange::has(&($vers), ctx.version) {
                            self.$field.encode(
                                encoder,
                                ctx.field(message!(@nullable ctx.version; $($null)?)),
                            )?;
                        } else if message!(@strict $($strict)?) && {
                            let default: $ty = message!(@default $($def)?);
                            self.$field != default
                        } {
                            return Err($crate::error::EncodeError::UnsupportedField {
                                field: concat!(stringify!($name), ".", stringify!($field)),
                                version: ctx.version,
                            });
                        }
                    }
                )*
                if ctx.flexible {
                    let defaults = Self::default();
                    let mut known = Vec::new();
                    $($(
                        if VersionRange::has(&($vers), ctx.version) && self.$field != defaults.$field {
                            let mut value = $crate::primitives::Encoder::new();
                            self.$field.encode(&mut value, ctx.field(false))?;
                            known.push($crate::primitives::RawTaggedField {
                                tag: $tag,
                                data: value.finish_bytes()?,
                            });
                        }
                    )?)*
                    $crate::primitives::tagged::write_section(encoder, known, &self.unknown_tagged_fields)?;
                }
                Ok(())
            }

            #[allow(unused_variables)]
            fn normalize(&mut self, ctx: $crate::primitives::Ctx) {
                #[allow(unused_imports)]
                use $crate::primitives::{VersionRange, Wire};
                let defaults = Self::default();
                $(
                    let present = VersionRange::has(&($vers), ctx.version)
                        && (!message!(@is_tagged $($tag)?) || ctx.flexible);
                    if present {
                        self.$field.normalize(ctx.field(message!(@nullable ctx.version; $($null)?)));
                    } else {
                        self.$field = defaults.$field;
                    }
                )*
                if !ctx.flexible {
                    self.unknown_tagged_fields.clear();
                }
            }

            #[allow(unused_variables)]
            fn random(rng: &mut $crate::primitives::TestRng) -> Self {
                Self {
                    $( $field: $crate::primitives::Wire::random(rng), )*
                    unknown_tagged_fields: Vec::new(),
                }
            }
        }
    };
}

/// Declares which API a top-level request/response struct belongs to.
macro_rules! api_message {
    ($($ty:ident => $key:ident),* $(,)?) => {$(
        impl $crate::message::Message for $ty {
            const API_KEY: $crate::api_key::ApiKey = $crate::api_key::ApiKey::$key;
        }
    )*};
}

pub(crate) use {api_message, message};
