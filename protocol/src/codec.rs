//! Encoding and decoding of message bodies, and framing them for the wire.
//!
//! A frame is a 4-byte little-endian body length followed by the body, a postcard encoding of
//! one [`crate::Request`] (client to server) or one [`crate::ServerMessage`] (server to client).
//! This is the only module that calls postcard.

use serde::{de::DeserializeOwned, Serialize};

use crate::error::DecodeError;

/// Appends one frame holding `msg` to `out`: the length prefix, then the postcard body.
///
/// Encoding into a `Vec` cannot fail for this crate's types, which hold no maps or
/// unsized sequences; a failure would be a bug and panics with the reason.
pub fn encode_frame<T: Serialize>(msg: &T, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    let buf = std::mem::take(out);
    #[allow(clippy::expect_used)]
    let mut buf = postcard::to_extend(msg, buf).expect("postcard encoding into a Vec cannot fail");
    let len = u32::try_from(buf.len() - start - 4).unwrap_or(u32::MAX);
    buf[start..start + 4].copy_from_slice(&len.to_le_bytes());
    *out = buf;
}

/// The body of `msg` alone, without the length prefix.
pub fn encode_body<T: Serialize>(msg: &T) -> Vec<u8> {
    let mut out = Vec::new();
    encode_frame(msg, &mut out);
    out.split_off(4)
}

/// Decodes one frame body. Every byte must belong to the message.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, DecodeError> {
    let (msg, rest) = postcard::take_from_bytes(body)?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes(rest.len()));
    }
    Ok(msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Request, ServerMessage};

    #[test]
    fn frame_has_length_prefix() {
        let mut out = vec![0xaa];
        encode_frame(&Request::Sync, &mut out);
        // one byte already there, 4 length bytes, then the body: variant 9 (Sync)
        assert_eq!(out, [0xaa, 1, 0, 0, 0, 9]);
        assert_eq!(decode::<Request>(&out[5..]).unwrap(), Request::Sync);
    }

    #[test]
    fn trailing_bytes_are_rejected() {
        assert!(matches!(
            decode::<Request>(&[9, 0]),
            Err(DecodeError::TrailingBytes(1))
        ));
    }

    #[test]
    fn bad_tag_is_an_error() {
        assert!(decode::<Request>(&[200]).is_err());
        assert!(decode::<ServerMessage>(&[]).is_err());
    }
}
