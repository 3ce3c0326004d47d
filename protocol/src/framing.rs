//! Cutting a byte stream into frames.

use crate::error::FrameError;

/// How many spare bytes [`FrameDecoder::read_buf`] offers at least.
const READ_CHUNK: usize = 64 * 1024;

/// An incremental frame decoder: push bytes in, take whole frame bodies out.
///
/// The length prefix is checked against the limit before any memory is reserved for the body,
/// so a peer cannot make the decoder allocate more than `max_len + 4 + 64 KiB`.
#[derive(Debug)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    max_len: u32,
}

impl FrameDecoder {
    /// A decoder that accepts bodies of at most `max_len` bytes.
    pub fn new(max_len: u32) -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            end: 0,
            max_len,
        }
    }

    /// The body size limit.
    pub fn max_len(&self) -> u32 {
        self.max_len
    }

    /// Bytes received but not yet returned as a frame.
    pub fn buffered(&self) -> usize {
        self.end - self.start
    }

    /// Copies `bytes` in.
    pub fn push(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        while !rest.is_empty() {
            let spare = self.read_buf();
            let n = spare.len().min(rest.len());
            spare[..n].copy_from_slice(&rest[..n]);
            self.advance(n);
            rest = &rest[n..];
        }
    }

    /// Spare room to read into directly (for a socket `read`); call [`Self::advance`] with the
    /// number of bytes written. Offers at least 64 KiB, or the rest of a large pending frame.
    pub fn read_buf(&mut self) -> &mut [u8] {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        let want = READ_CHUNK.max(self.pending_frame_len().saturating_sub(self.buffered()));
        if self.buf.len() - self.end < want {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.buf.len() - self.end < want {
                self.buf.resize(self.end + want, 0);
            }
        }
        &mut self.buf[self.end..]
    }

    /// Marks `n` bytes of [`Self::read_buf`] as filled.
    pub fn advance(&mut self, n: usize) {
        self.end = self.end.saturating_add(n).min(self.buf.len());
    }

    /// The length (prefix included) of the frame at the front, once its prefix is in and valid.
    fn pending_frame_len(&self) -> usize {
        match self.peek_len() {
            Some(len) if len <= self.max_len => len as usize + 4,
            _ => 0,
        }
    }

    fn peek_len(&self) -> Option<u32> {
        let head = self.buf.get(self.start..self.start + 4)?;
        if self.buffered() < 4 {
            return None;
        }
        Some(u32::from_le_bytes([head[0], head[1], head[2], head[3]]))
    }

    /// The next whole frame body, `Ok(None)` if more bytes are needed, or an error when the
    /// stream announces a frame over the limit (the stream is then unusable).
    pub fn next_frame(&mut self) -> Result<Option<&[u8]>, FrameError> {
        let Some(len) = self.peek_len() else {
            return Ok(None);
        };
        if len > self.max_len {
            return Err(FrameError::TooLarge {
                len,
                max: self.max_len,
            });
        }
        let total = len as usize + 4;
        if self.buffered() < total {
            return Ok(None);
        }
        let body = self.start + 4..self.start + total;
        self.start += total;
        Ok(Some(&self.buf[body]))
    }

    /// The frame at the front while it is incomplete: its body length (within the limit) and
    /// the part of its body buffered so far. A reader can then take the rest of a large body
    /// straight from the stream into its own buffer (see [`Self::consume`]).
    pub fn partial_frame(&self) -> Option<(usize, &[u8])> {
        let len = self.peek_len().filter(|&len| len <= self.max_len)? as usize;
        let body = &self.buf[self.start + 4..self.end];
        (body.len() < len).then_some((len, body))
    }

    /// Drops the length prefix and the first `n` body bytes of the incomplete frame at the front
    /// (see [`Self::partial_frame`]); the rest of that body must then be read past the decoder,
    /// which takes the bytes after it as the next frame.
    pub fn consume(&mut self, n: usize) {
        self.start = (self.start + 4 + n).min(self.end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut v = (body.len() as u32).to_le_bytes().to_vec();
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn the_rest_of_a_partial_frame_can_be_read_past_the_decoder() {
        let mut d = FrameDecoder::new(100);
        assert_eq!(d.partial_frame(), None);
        let mut stream = frame(b"0123456789");
        stream.extend(frame(b"next"));
        d.push(&stream[..8]);
        assert_eq!(d.partial_frame(), Some((10, &b"0123"[..])));
        assert_eq!(d.next_frame().unwrap(), None);
        // The reader keeps the 4 bytes it has and reads the other 6 itself.
        d.consume(4);
        d.push(&stream[14..]);
        assert_eq!(d.partial_frame(), None);
        assert_eq!(d.next_frame().unwrap(), Some(&b"next"[..]));
        assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn frames_arrive_byte_by_byte() {
        let mut stream = frame(b"hello");
        stream.extend(frame(b""));
        stream.extend(frame(b"world!"));
        let mut d = FrameDecoder::new(100);
        let mut got = Vec::new();
        for b in stream {
            d.push(&[b]);
            while let Some(f) = d.next_frame().unwrap() {
                got.push(f.to_vec());
            }
        }
        assert_eq!(got, [b"hello".to_vec(), vec![], b"world!".to_vec()]);
        assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn oversized_frame_is_refused_before_allocation() {
        let mut d = FrameDecoder::new(10);
        d.push(&u32::MAX.to_le_bytes());
        assert_eq!(
            d.next_frame(),
            Err(FrameError::TooLarge {
                len: u32::MAX,
                max: 10
            })
        );
        assert!(d.read_buf().len() <= READ_CHUNK + 8);
    }

    #[test]
    fn large_frame_gets_room_to_read() {
        let mut d = FrameDecoder::new(1 << 20);
        d.push(&(200_000u32).to_le_bytes());
        assert!(d.read_buf().len() >= 200_000);
    }
}
