//! Decoding a draw batch's ops with a bound on their count, checked before any is decoded.
//!
//! A `Clear` op is one byte on the wire and 48 bytes decoded: without the bound, one 16 MiB frame
//! of them would decode into 800 MB before a server could count them.

use serde::de::{Deserializer, SeqAccess, Visitor};

use crate::draw::DrawOp;
use crate::MAX_BATCH_OPS;

/// Ops preallocated before any has decoded: a count is only a claim until the ops arrive.
const PREALLOCATED: usize = 4096;

/// Deserializes `Vec<DrawOp>`, refusing a sequence that announces more than [`MAX_BATCH_OPS`].
pub(crate) fn ops<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<DrawOp>, D::Error> {
    d.deserialize_seq(OpsVisitor)
}

struct OpsVisitor;

impl<'de> Visitor<'de> for OpsVisitor {
    type Value = Vec<DrawOp>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at most {MAX_BATCH_OPS} draw ops")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let announced = seq.size_hint().unwrap_or(0);
        if announced > MAX_BATCH_OPS {
            return Err(serde::de::Error::invalid_length(announced, &self));
        }
        let mut ops = Vec::with_capacity(announced.min(PREALLOCATED));
        while let Some(op) = seq.next_element()? {
            if ops.len() == MAX_BATCH_OPS {
                return Err(serde::de::Error::invalid_length(MAX_BATCH_OPS + 1, &self));
            }
            ops.push(op);
        }
        Ok(ops)
    }
}

#[cfg(test)]
mod tests {
    use crate::codec::encode_body;
    use crate::request::Drawable;
    use crate::{decode, DrawOp, Request, MAX_BATCH_OPS};

    fn batch(n: usize) -> Vec<u8> {
        encode_body(&Request::Draw {
            target: Drawable(0x1234_5678),
            ops: vec![DrawOp::Clear; n],
        })
    }

    #[test]
    fn a_batch_of_the_limit_decodes_and_one_more_op_does_not() {
        let at = batch(MAX_BATCH_OPS);
        assert_eq!(Request::announced_draw_ops(&at), Some(MAX_BATCH_OPS as u64));
        match decode::<Request>(&at) {
            Ok(Request::Draw { ops, .. }) => assert_eq!(ops.len(), MAX_BATCH_OPS),
            other => panic!("{other:?}"),
        }
        let over = batch(MAX_BATCH_OPS + 1);
        assert_eq!(Request::announced_draw_ops(&over), Some(MAX_BATCH_OPS as u64 + 1));
        assert!(decode::<Request>(&over).is_err());
    }

    #[test]
    fn a_huge_announced_count_fails_before_allocating() {
        // The count says 2^32 - 1 ops; only three follow.
        let mut body = batch(0);
        let _ = body.pop();
        body.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f, 3, 3, 3]);
        assert_eq!(Request::announced_draw_ops(&body), Some(u64::from(u32::MAX)));
        assert!(decode::<Request>(&body).is_err());
        // Under the limit but more than the bytes hold: preallocation is capped, decoding fails.
        let mut body = batch(0);
        let _ = body.pop();
        body.extend_from_slice(&[0xa0, 0x8d, 0x06, 3]); // 100 000
        assert!(decode::<Request>(&body).is_err());
    }

    #[test]
    fn other_requests_announce_no_ops() {
        assert_eq!(Request::announced_draw_ops(&encode_body(&Request::Sync)), None);
        assert_eq!(Request::announced_draw_ops(&[]), None);
    }
}
