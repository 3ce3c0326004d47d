//! [`DrawOps`]: the ops of one [`crate::Request::Draw`], read as a slice.
//!
//! Clients that draw one thing per request (X clients send each CopyArea alone, and x11perf's
//! copy tests are made of nothing else) would otherwise cost the server an allocation and a
//! free per request for a one-element `Vec`: a single op is held inline instead. On the wire
//! `DrawOps` is exactly a `Vec<DrawOp>`.

use std::fmt;
use std::ops::Deref;

use serde::{Serialize, Serializer};

use crate::draw::DrawOp;

/// The ops of a draw batch, in order. Dereferences to `[DrawOp]`; built from a `Vec<DrawOp>`, a
/// single [`DrawOp`] or an iterator of them. One op is held without a heap allocation.
#[derive(Clone)]
pub struct DrawOps(Repr);

#[derive(Clone)]
enum Repr {
    One(DrawOp),
    Many(Vec<DrawOp>),
}

impl DrawOps {
    /// No ops.
    pub fn new() -> Self {
        DrawOps(Repr::Many(Vec::new()))
    }

    /// The ops as a `Vec`.
    pub fn into_vec(self) -> Vec<DrawOp> {
        match self.0 {
            Repr::One(op) => vec![op],
            Repr::Many(ops) => ops,
        }
    }
}

impl Default for DrawOps {
    fn default() -> Self {
        DrawOps::new()
    }
}

impl Deref for DrawOps {
    type Target = [DrawOp];

    fn deref(&self) -> &[DrawOp] {
        match &self.0 {
            Repr::One(op) => std::slice::from_ref(op),
            Repr::Many(ops) => ops,
        }
    }
}

impl From<Vec<DrawOp>> for DrawOps {
    fn from(ops: Vec<DrawOp>) -> Self {
        DrawOps(Repr::Many(ops))
    }
}

impl From<DrawOp> for DrawOps {
    fn from(op: DrawOp) -> Self {
        DrawOps(Repr::One(op))
    }
}

impl FromIterator<DrawOp> for DrawOps {
    fn from_iter<I: IntoIterator<Item = DrawOp>>(iter: I) -> Self {
        DrawOps(Repr::Many(iter.into_iter().collect()))
    }
}

impl<'a> IntoIterator for &'a DrawOps {
    type Item = &'a DrawOp;
    type IntoIter = std::slice::Iter<'a, DrawOp>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Equal when the ops are, however they are held.
impl PartialEq for DrawOps {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

/// As a list, like the `Vec` it stands for.
impl fmt::Debug for DrawOps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// As a sequence, the bytes of a `Vec<DrawOp>`; decoded by [`crate::bounded::ops`].
impl Serialize for DrawOps {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::encode_body;
    use crate::geometry::Rect;
    use crate::request::Drawable;
    use crate::{decode, Request};

    fn fill(x: i32) -> DrawOp {
        DrawOp::FillRect(Rect::new(x, 0, 1, 1))
    }

    #[test]
    fn one_op_and_a_vec_of_it_are_the_same_ops_and_the_same_bytes() {
        let inline = DrawOps::from(fill(3));
        let listed = DrawOps::from(vec![fill(3)]);
        assert_eq!(inline, listed);
        assert_eq!(&*inline, &[fill(3)][..]);
        assert_eq!(format!("{inline:?}"), format!("{:?}", vec![fill(3)]));
        let bytes = |ops: DrawOps| {
            encode_body(&Request::Draw {
                target: Drawable(7),
                ops,
            })
        };
        assert_eq!(bytes(inline), bytes(listed));
        assert_eq!(DrawOps::from(fill(3)).into_vec(), vec![fill(3)]);
    }

    #[test]
    fn a_decoded_batch_of_one_op_is_held_inline_and_longer_ones_in_a_vec() {
        for n in 0..4 {
            let sent: Vec<DrawOp> = (0..n).map(fill).collect();
            let body = encode_body(&Request::Draw {
                target: Drawable(7),
                ops: sent.clone().into(),
            });
            let Ok(Request::Draw { ops, .. }) = decode::<Request>(&body) else {
                panic!("{n} ops did not decode as a Draw");
            };
            assert_eq!(&*ops, &sent[..]);
            assert_eq!(matches!(ops.0, Repr::One(_)), n == 1, "{n} ops");
        }
    }
}
