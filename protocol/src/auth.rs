//! Authentication: a per-display secret, proven without sending it.
//!
//! X11's MIT-MAGIC-COOKIE-1 sends the cookie itself, so anyone who sees one connection can
//! replay it. dispd's method, [`AUTH_HMAC`], sends a fresh nonce, the client's clock and an
//! HMAC-SHA256 of both under the secret:
//!
//! ```text
//! auth name  "dispd-hmac-sha256"
//! auth data  nonce (16 bytes) | unix time in seconds (u64 LE) | HMAC-SHA256(secret, "dispd-auth-v1" | nonce | time) (32 bytes)
//! ```
//!
//! The server checks the MAC, that the time is within [`MAX_CLOCK_SKEW_SECS`] of its own, and
//! that it has not seen the nonce before (the replay cache is the server's). The secret never
//! crosses the wire; the connection itself is not encrypted (use an SSH tunnel for that).
//!
//! There are two secrets per display. The *owner secret* is 32 random bytes, kept by the server
//! in a file only its user can read ([`secret_path`]), as 64 hex digits. The *client secret* is
//! derived from it ([`Secret::client_secret`]); `dispd auth :N` prints it for copying into
//! `DISPD_AUTH` on other machines. A client proving the owner secret is the display's owner
//! (trusted with the admin view); one proving the client secret is an ordinary client, whatever
//! host or socket it comes from. Time and randomness are passed in: this module does no I/O.

use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The auth method name.
pub const AUTH_HMAC: &str = "dispd-hmac-sha256";
/// How far the client's clock may be from the server's.
pub const MAX_CLOCK_SKEW_SECS: u64 = 300;
/// Bytes of auth data the method sends.
pub const AUTH_DATA_LEN: usize = 16 + 8 + 32;
const CONTEXT: &[u8] = b"dispd-auth-v1";

/// A display's secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret([u8; 32]);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Why a proof was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The data is not nonce, time and MAC.
    #[error("malformed auth data")]
    Malformed,
    /// The MAC does not match: the client has another secret.
    #[error("wrong secret")]
    WrongSecret,
    /// The client's clock is too far from the server's.
    #[error("the client's clock is {0} s away from the server's (at most {MAX_CLOCK_SKEW_SECS} allowed)")]
    ClockSkew(u64),
    /// A secret in hex is not 64 hex digits.
    #[error("a dispd secret is 64 hex digits")]
    BadHex,
}

impl Secret {
    /// A secret from 32 random bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Secret(bytes)
    }

    /// Parses 64 hex digits (surrounding white space allowed).
    pub fn from_hex(s: &str) -> Result<Self, AuthError> {
        let s = s.trim();
        if s.len() != 64 || !s.is_ascii() {
            return Err(AuthError::BadHex);
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|_| AuthError::BadHex)?;
        }
        Ok(Secret(out))
    }

    /// The secret as 64 hex digits.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn mac(&self, nonce: &[u8], time: &[u8]) -> Hmac<Sha256> {
        // HMAC takes keys of any length: 32 bytes cannot fail.
        #[allow(clippy::expect_used)]
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.update(CONTEXT);
        mac.update(nonce);
        mac.update(time);
        mac
    }

    /// The client secret derived from this owner secret: HMAC-SHA256(owner, "dispd-client-secret-v1").
    /// Handing it out lets others connect without making them the owner.
    pub fn client_secret(&self) -> Secret {
        // HMAC takes keys of any length: 32 bytes cannot fail.
        #[allow(clippy::expect_used)]
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.update(b"dispd-client-secret-v1");
        Secret(mac.finalize().into_bytes().into())
    }

    /// The auth data proving this secret, for a fresh random `nonce` at `unix_secs`.
    pub fn respond(&self, nonce: [u8; 16], unix_secs: u64) -> Vec<u8> {
        let time = unix_secs.to_le_bytes();
        let tag = self.mac(&nonce, &time).finalize().into_bytes();
        let mut out = Vec::with_capacity(AUTH_DATA_LEN);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&time);
        out.extend_from_slice(&tag);
        out
    }

    /// Checks auth data at the server's `now` (unix seconds); returns the nonce, which the
    /// caller must check against its replay cache.
    pub fn verify(&self, data: &[u8], now: u64) -> Result<[u8; 16], AuthError> {
        if data.len() != AUTH_DATA_LEN {
            return Err(AuthError::Malformed);
        }
        let (nonce, rest) = data.split_at(16);
        let (time, tag) = rest.split_at(8);
        // Constant-time comparison, inside the hmac crate.
        self.mac(nonce, time)
            .verify_slice(tag)
            .map_err(|_| AuthError::WrongSecret)?;
        let mut t = [0u8; 8];
        t.copy_from_slice(time);
        let skew = u64::from_le_bytes(t).abs_diff(now);
        if skew > MAX_CLOCK_SKEW_SECS {
            return Err(AuthError::ClockSkew(skew));
        }
        let mut n = [0u8; 16];
        n.copy_from_slice(nonce);
        Ok(n)
    }
}

/// The directory of secret files: `DISPD_AUTH_DIR`, else `$HOME/.dispd`.
pub fn auth_dir_from_env(get: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(dir) = get("DISPD_AUTH_DIR").filter(|d| !d.is_empty()) {
        return Some(dir.into());
    }
    get("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| Path::new(&h).join(".dispd"))
}

/// The secret file of display `display` under `dir`.
pub fn secret_path(dir: &Path, display: u16) -> PathBuf {
    dir.join(format!("display-{display}.secret"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proof_verifies_and_fails_for_the_wrong_secret_time_or_bytes() {
        let s = Secret::from_bytes([7; 32]);
        let data = s.respond([1; 16], 1_000_000);
        assert_eq!(s.verify(&data, 1_000_100), Ok([1; 16]));
        assert_eq!(
            Secret::from_bytes([8; 32]).verify(&data, 1_000_000),
            Err(AuthError::WrongSecret)
        );
        assert_eq!(
            s.verify(&data, 1_000_000 + MAX_CLOCK_SKEW_SECS + 1),
            Err(AuthError::ClockSkew(301))
        );
        let mut tampered = data.clone();
        tampered[17] ^= 1; // the time
        assert_eq!(s.verify(&tampered, 1_000_000), Err(AuthError::WrongSecret));
        assert_eq!(s.verify(&data[..10], 1_000_000), Err(AuthError::Malformed));
    }

    #[test]
    fn the_client_secret_is_another_secret() {
        let owner = Secret::from_bytes([7; 32]);
        let client = owner.client_secret();
        assert_ne!(owner, client);
        assert_eq!(client, owner.client_secret());
        let proof = client.respond([2; 16], 5);
        assert_eq!(owner.verify(&proof, 5), Err(AuthError::WrongSecret));
        assert_eq!(client.verify(&proof, 5), Ok([2; 16]));
    }

    #[test]
    fn hex_round_trips() {
        let s = Secret::from_bytes(core::array::from_fn(|i| i as u8 * 7));
        assert_eq!(Secret::from_hex(&format!(" {}\n", s.to_hex())), Ok(s));
        assert_eq!(Secret::from_hex("abc"), Err(AuthError::BadHex));
        assert_eq!(Secret::from_hex(&"zz".repeat(32)), Err(AuthError::BadHex));
    }

    #[test]
    fn paths() {
        let env = |k: &str| (k == "HOME").then(|| "/home/ada".to_string());
        assert_eq!(auth_dir_from_env(env), Some(PathBuf::from("/home/ada/.dispd")));
        assert_eq!(
            secret_path(Path::new("/d"), 3),
            PathBuf::from("/d/display-3.secret")
        );
    }
}
