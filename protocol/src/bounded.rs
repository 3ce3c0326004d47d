//! Decoding lists with bounds checked before their elements are: the ops of a draw batch
//! ([`MAX_BATCH_OPS`]) and, together, the points, path steps, clip rectangles, dash lengths and
//! gradient stops of one message ([`MAX_BATCH_ELEMENTS`]).
//!
//! A `Clear` op is one byte on the wire and 48 bytes decoded, a `Close` path step one byte and
//! 28: without the bounds, one 16 MiB frame of them would decode into hundreds of megabytes
//! before a server could count them. The element budget is per message: [`crate::decode`]
//! starts each with a full one.

use std::cell::Cell;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};

use crate::draw::DrawOp;
use crate::draw_ops::DrawOps;
use crate::{MAX_BATCH_ELEMENTS, MAX_BATCH_OPS};

/// Elements preallocated before any has decoded: a count is only a claim until they arrive.
const PREALLOCATED: usize = 4096;

thread_local! {
    /// Nested-list elements the message being decoded may still hold.
    static ELEMENTS_LEFT: Cell<usize> = const { Cell::new(MAX_BATCH_ELEMENTS) };
    /// Why the last decode on this thread failed, when a bound failed it (postcard keeps no
    /// message of its own for such errors).
    static OVER: Cell<Option<OverLimit>> = const { Cell::new(None) };
}

/// A bound a message broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OverLimit {
    /// A draw batch announced this many ops.
    Ops(usize),
    /// The message's lists announced more elements than [`MAX_BATCH_ELEMENTS`].
    Elements,
}

impl std::fmt::Display for OverLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OverLimit::Ops(n) => write!(
                f,
                "a draw batch of {n} ops is over the protocol's limit of {MAX_BATCH_OPS}"
            ),
            OverLimit::Elements => write!(
                f,
                "its points, path steps, clip rectangles, dash lengths and gradient stops are over the \
                 protocol's limit of {MAX_BATCH_ELEMENTS}"
            ),
        }
    }
}

/// Starts a message: a full element budget, no bound broken.
pub(crate) fn start_message() {
    ELEMENTS_LEFT.set(MAX_BATCH_ELEMENTS);
    OVER.set(None);
}

/// The bound that failed the last decode on this thread, if one did.
pub(crate) fn broken_bound() -> Option<OverLimit> {
    OVER.get()
}

/// Deserializes [`DrawOps`], refusing a sequence that announces more than [`MAX_BATCH_OPS`].
pub(crate) fn ops<'de, D: Deserializer<'de>>(d: D) -> Result<DrawOps, D::Error> {
    d.deserialize_seq(OpsVisitor)
}

/// Deserializes a nested list, charging its announced length to the message's element budget.
pub(crate) fn elements<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    d.deserialize_seq(Bounded::<T> {
        ops: false,
        element: PhantomData,
    })
}

struct Bounded<T> {
    /// Bounded by [`MAX_BATCH_OPS`] (ops) or by the element budget (anything else).
    ops: bool,
    element: PhantomData<T>,
}

impl<T> Bounded<T> {
    fn ops() -> Self {
        Bounded {
            ops: true,
            element: PhantomData,
        }
    }

    /// Takes `n` elements from the bound, or records why not.
    fn take(&self, n: usize) -> Result<(), OverLimit> {
        if self.ops {
            return if n > MAX_BATCH_OPS {
                Err(OverLimit::Ops(n))
            } else {
                Ok(())
            };
        }
        let left = ELEMENTS_LEFT.get();
        if n > left {
            return Err(OverLimit::Elements);
        }
        ELEMENTS_LEFT.set(left - n);
        Ok(())
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Bounded<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.ops {
            write!(f, "at most {MAX_BATCH_OPS} draw ops")
        } else {
            write!(f, "at most {MAX_BATCH_ELEMENTS} elements in the message's lists")
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let announced = self.announce(&seq)?;
        let mut items = Vec::with_capacity(announced.min(PREALLOCATED));
        self.collect(&mut seq, announced, &mut items)?;
        Ok(items)
    }
}

impl<'de, T: Deserialize<'de>> Bounded<T> {
    /// Takes the length the sequence announces from the bound, and returns it.
    fn announce<A: SeqAccess<'de>>(&self, seq: &A) -> Result<usize, A::Error> {
        let announced = seq.size_hint().unwrap_or(0);
        if let Err(over) = self.take(announced) {
            OVER.set(Some(over));
            return Err(serde::de::Error::invalid_length(announced, self));
        }
        Ok(announced)
    }

    /// Decodes the rest of the sequence onto `items`.
    fn collect<A: SeqAccess<'de>>(
        &self,
        seq: &mut A,
        announced: usize,
        items: &mut Vec<T>,
    ) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element()? {
            self.push(items, item, announced)?;
        }
        Ok(())
    }

    /// Adds a decoded element to `items`, charging it to the bound if it is one more than
    /// announced (never with postcard, which announces exactly).
    fn push<E: serde::de::Error>(&self, items: &mut Vec<T>, item: T, announced: usize) -> Result<(), E> {
        if items.len() >= announced {
            let more = if self.ops { items.len() + 1 } else { 1 };
            if let Err(over) = self.take(more) {
                OVER.set(Some(over));
                return Err(E::invalid_length(announced + 1, self));
            }
        }
        items.push(item);
        Ok(())
    }
}

/// Decodes the ops of a draw batch under [`Bounded::ops`]; a batch of one op is kept without a
/// `Vec` (see [`DrawOps`]).
struct OpsVisitor;

impl<'de> Visitor<'de> for OpsVisitor {
    type Value = DrawOps;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Bounded::<DrawOp>::ops().expecting(f)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let bounded = Bounded::<DrawOp>::ops();
        let announced = bounded.announce(&seq)?;
        if announced == 1 {
            let Some(op) = seq.next_element()? else {
                return Ok(DrawOps::new());
            };
            // Postcard ends here without reading: its sequences announce their length.
            let Some(second) = seq.next_element()? else {
                return Ok(DrawOps::from(op));
            };
            let mut items = vec![op];
            bounded.push(&mut items, second, 1)?;
            bounded.collect(&mut seq, 1, &mut items)?;
            return Ok(DrawOps::from(items));
        }
        let mut items = Vec::with_capacity(announced.min(PREALLOCATED));
        bounded.collect(&mut seq, announced, &mut items)?;
        Ok(DrawOps::from(items))
    }
}

#[cfg(test)]
mod tests {
    use crate::codec::encode_body;
    use crate::geometry::Point;
    use crate::request::Drawable;
    use crate::{decode, DrawOp, PathSeg, Request, MAX_BATCH_ELEMENTS, MAX_BATCH_OPS};

    fn batch(ops: Vec<DrawOp>) -> Vec<u8> {
        encode_body(&Request::Draw {
            target: Drawable(0x1234_5678),
            ops: ops.into(),
        })
    }

    fn refusal(body: &[u8]) -> String {
        match decode::<Request>(body) {
            Ok(r) => panic!("decoded: {}", r.name()),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_batch_of_the_limit_decodes_and_one_more_op_does_not() {
        match decode::<Request>(&batch(vec![DrawOp::Clear; MAX_BATCH_OPS])) {
            Ok(Request::Draw { ops, .. }) => assert_eq!(ops.len(), MAX_BATCH_OPS),
            other => panic!("{other:?}"),
        }
        let why = refusal(&batch(vec![DrawOp::Clear; MAX_BATCH_OPS + 1]));
        assert!(why.contains("100001 ops") && why.contains("100000"), "{why}");
    }

    #[test]
    fn a_huge_announced_count_fails_before_allocating() {
        // The count says 2^32 - 1 ops; only three follow (postcard itself refuses a count
        // over the bytes left).
        let mut body = batch(vec![]);
        let _ = body.pop();
        body.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f, 3, 3, 3]);
        assert!(decode::<Request>(&body).is_err());
        // Under the limit but more than the bytes hold: preallocation is capped, decoding fails.
        let mut body = batch(vec![]);
        let _ = body.pop();
        body.extend_from_slice(&[0xa0, 0x8d, 0x06, 3]); // 100 000
        assert!(decode::<Request>(&body).is_err());
    }

    #[test]
    fn the_lists_of_one_message_share_one_budget() {
        // Two paths of half the budget each decode; one step more in either does not, though
        // each list alone is under the limit.
        let half = MAX_BATCH_ELEMENTS / 2;
        let two = |extra: usize| {
            batch(vec![
                DrawOp::FillPath(vec![PathSeg::Close; half]),
                DrawOp::Points(vec![Point { x: 0, y: 0 }; half + extra]),
            ])
        };
        assert!(decode::<Request>(&two(0)).is_ok());
        let why = refusal(&two(1));
        assert!(why.contains("path steps") && why.contains("1000000"), "{why}");
        // The budget is per message: the next one starts afresh.
        assert!(decode::<Request>(&two(0)).is_ok());
    }

    /// A sequence that announces `hint` elements whatever it holds (postcard's announce exactly;
    /// other formats may announce fewer), each element its own postcard encoding.
    struct Announcing<'de> {
        hint: usize,
        items: std::collections::VecDeque<&'de [u8]>,
    }

    impl<'de> serde::de::SeqAccess<'de> for Announcing<'de> {
        type Error = postcard::Error;

        fn next_element_seed<S: serde::de::DeserializeSeed<'de>>(
            &mut self,
            seed: S,
        ) -> Result<Option<S::Value>, Self::Error> {
            let Some(bytes) = self.items.pop_front() else {
                return Ok(None);
            };
            seed.deserialize(&mut postcard::Deserializer::from_bytes(bytes))
                .map(Some)
        }

        fn size_hint(&self) -> Option<usize> {
            Some(self.hint)
        }
    }

    #[test]
    fn ops_beyond_the_announced_count_decode_and_are_charged_to_the_limit() {
        use serde::de::Visitor;
        let encoded = |n: usize| -> Vec<Vec<u8>> {
            (0..n)
                .map(|x| {
                    postcard::to_allocvec(&DrawOp::FillRect(crate::Rect::new(x as i32, 0, 1, 1)))
                        .expect("encode")
                })
                .collect()
        };
        fn seq(hint: usize, items: &[Vec<u8>]) -> Announcing<'_> {
            Announcing {
                hint,
                items: items.iter().map(Vec::as_slice).collect(),
            }
        }
        // One announced, three sent: all three, in order.
        let three = encoded(3);
        let ops = super::OpsVisitor.visit_seq(seq(1, &three)).expect("three ops");
        let xs: Vec<i32> = ops
            .iter()
            .map(|op| match op {
                DrawOp::FillRect(r) => r.x,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(xs, [0, 1, 2]);
        // One announced, one sent: one.
        assert_eq!(
            super::OpsVisitor
                .visit_seq(seq(1, &three[..1]))
                .expect("one op")
                .len(),
            1
        );
        // One announced, one over the limit sent: refused, and the bound says why.
        let many = encoded(MAX_BATCH_OPS + 1);
        crate::bounded::start_message();
        assert!(super::OpsVisitor.visit_seq(seq(1, &many)).is_err());
        assert_eq!(
            crate::bounded::broken_bound(),
            Some(super::OverLimit::Ops(MAX_BATCH_OPS + 1))
        );
        crate::bounded::start_message();
        assert_eq!(
            super::OpsVisitor
                .visit_seq(seq(1, &many[..MAX_BATCH_OPS]))
                .expect("the limit")
                .len(),
            MAX_BATCH_OPS
        );
    }
}
