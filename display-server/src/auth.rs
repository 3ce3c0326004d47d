//! Who may connect: the auth policy, and the decision for one connection.
//!
//! | peer | admitted when | trusted (the display's owner) |
//! |---|---|---|
//! | Unix socket, the server's own user | always | yes |
//! | anyone proving the *owner* secret (the 0600 file) | always | yes |
//! | anyone proving the *client* secret (`dispd auth :N`) | TCP: its host is in `--allow`, if given | no |
//! | anyone, under `--no-auth` | TCP: its host is in `--allow`, if given | yes |
//!
//! Trusted clients may use the admin view: read the whole screen, list every window and client,
//! disconnect clients, inject input (when `--allow-injection` is on). Others see and touch only
//! their own resources: in a classroom, students who were given the client secret run their
//! programs, but cannot read each other's pixels, titles or keystrokes, whether they connect
//! from their laptops, through an SSH tunnel or from a shell on the server's machine.

use std::collections::{HashSet, VecDeque};
use std::net::{IpAddr, SocketAddr};

use dispd_protocol::auth::{Secret, AUTH_HMAC};
use dispd_protocol::handshake::ClientHello;
use ipnet::IpNet;

/// Remembered nonces, to refuse replayed proofs.
const REPLAY_CAPACITY: usize = 100_000;

/// Who is on the other end of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer {
    /// A Unix-socket client, with its user id when the kernel told us.
    Unix {
        /// The peer's user id.
        uid: Option<u32>,
        /// The peer's process id.
        pid: Option<i32>,
    },
    /// A TCP client.
    Tcp(SocketAddr),
}

impl std::fmt::Display for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Peer::Unix { uid, pid } => {
                write!(f, "local")?;
                if let Some(pid) = pid {
                    write!(f, " pid {pid}")?;
                }
                if let Some(uid) = uid {
                    write!(f, " uid {uid}")?;
                }
                Ok(())
            }
            Peer::Tcp(addr) => write!(f, "{addr}"),
        }
    }
}

impl Peer {
    /// The peer's host for display (`local` or an IP address).
    pub fn host(&self) -> String {
        match self {
            Peer::Unix { .. } => "local".into(),
            Peer::Tcp(a) => a.ip().to_string(),
        }
    }
}

/// Who may connect, and how they prove it.
#[derive(Clone, Debug, Default)]
pub struct AuthPolicy {
    /// The display's secret; `None` turns authentication off (`--no-auth`): everyone is trusted.
    pub secret: Option<Secret>,
    /// The user whose Unix-socket clients are let in without the secret, and trusted.
    pub owner_uid: Option<u32>,
    /// TCP hosts allowed to connect; empty allows every host.
    pub allow: Vec<IpNet>,
}

/// A connection let in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admission {
    /// Whether the client may use the admin view.
    pub trusted: bool,
}

impl AuthPolicy {
    /// Whether a TCP host may connect at all.
    pub fn host_allowed(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.allow.is_empty() || self.allow.iter().any(|net| net.contains(&ip))
    }

    /// Decides on one connection, at the server's `now` (unix seconds). The error is the reason
    /// the client is shown.
    pub fn admit(
        &self,
        peer: Peer,
        hello: &ClientHello,
        now: u64,
        replays: &mut ReplayCache,
    ) -> Result<Admission, String> {
        if let Peer::Tcp(addr) = peer {
            if !self.host_allowed(addr.ip()) {
                return Err(format!(
                    "host {} is not allowed to connect (the server's --allow list)",
                    addr.ip()
                ));
            }
        }
        let Some(secret) = &self.secret else {
            return Ok(Admission { trusted: true });
        };
        if let Peer::Unix { uid: Some(uid), .. } = peer {
            if Some(uid) == self.owner_uid {
                return Ok(Admission { trusted: true });
            }
        }
        match hello.auth_name.as_str() {
            "" => Err("no secret given: set DISPD_AUTH to what `dispd auth :N` prints on the server".into()),
            AUTH_HMAC => {
                // The owner secret first; else the client secret derived from it.
                let (proof, trusted) = match secret.verify(&hello.auth_data, now) {
                    Err(dispd_protocol::auth::AuthError::WrongSecret) => {
                        (secret.client_secret().verify(&hello.auth_data, now), false)
                    }
                    owner => (owner, true),
                };
                let nonce = proof.map_err(|e| match e {
                    dispd_protocol::auth::AuthError::WrongSecret => {
                        "wrong secret: get the current one with `dispd auth :N` on the server (it changes at each start)"
                            .to_string()
                    }
                    other => other.to_string(),
                })?;
                if !replays.insert(nonce) {
                    return Err("this proof was used before (replayed connection)".into());
                }
                Ok(Admission { trusted })
            }
            other => Err(format!(
                "unknown auth method `{other}`: this server speaks {AUTH_HMAC}"
            )),
        }
    }

    /// One line per rule, for the log at start.
    pub fn describe(&self, secret_file: Option<&std::path::Path>) -> Vec<String> {
        let hosts = if self.allow.is_empty() {
            "any host".to_string()
        } else {
            self.allow
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match &self.secret {
            None => vec![format!(
                "NO AUTHENTICATION (--no-auth): every client from {hosts} is admitted and trusted"
            )],
            Some(_) => vec![
                format!(
                    "local clients of uid {} are admitted and trusted without a secret",
                    self.owner_uid.map_or("?".into(), |u| u.to_string())
                ),
                format!(
                    "other clients (TCP from {hosts}, other local users) must prove the client secret, which `dispd auth` prints"
                ),
                format!(
                    "a client proving the owner secret{} is trusted as the owner",
                    secret_file.map(|p| format!(" (in {})", p.display())).unwrap_or_default()
                ),
            ],
        }
    }
}

/// Nonces seen recently, bounded: the oldest are forgotten first. A forgotten nonce is older
/// than the clock-skew window in any realistic load, so its proof is refused by time anyway.
#[derive(Debug, Default)]
pub struct ReplayCache {
    seen: HashSet<[u8; 16]>,
    order: VecDeque<[u8; 16]>,
}

impl ReplayCache {
    /// Records `nonce`; false if it was already there.
    pub fn insert(&mut self, nonce: [u8; 16]) -> bool {
        if !self.seen.insert(nonce) {
            return false;
        }
        self.order.push_back(nonce);
        if self.order.len() > REPLAY_CAPACITY {
            if let Some(old) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> AuthPolicy {
        AuthPolicy {
            secret: Some(Secret::from_bytes([3; 32])),
            owner_uid: Some(1000),
            allow: vec!["10.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()],
        }
    }

    fn hello(secret: Option<&Secret>, now: u64, nonce: u8) -> ClientHello {
        match secret {
            Some(s) => ClientHello::new(AUTH_HMAC, &s.respond([nonce; 16], now)),
            None => ClientHello::new("", b""),
        }
    }

    #[test]
    fn peer_credentials_rule() {
        let p = policy();
        let mut r = ReplayCache::default();
        let own = Peer::Unix {
            uid: Some(1000),
            pid: None,
        };
        let other = Peer::Unix {
            uid: Some(1001),
            pid: None,
        };
        let unknown = Peer::Unix { uid: None, pid: None };
        assert_eq!(
            p.admit(own, &hello(None, 0, 0), 0, &mut r),
            Ok(Admission { trusted: true })
        );
        assert!(p
            .admit(other, &hello(None, 0, 0), 0, &mut r)
            .unwrap_err()
            .contains("no secret"));
        assert!(p.admit(unknown, &hello(None, 0, 0), 0, &mut r).is_err());
        // Another local user: the client secret admits it as an ordinary client.
        let c = p.secret.clone().unwrap().client_secret();
        assert_eq!(
            p.admit(other, &hello(Some(&c), 50, 1), 60, &mut r),
            Ok(Admission { trusted: false })
        );
    }

    #[test]
    fn tcp_needs_an_allowed_host_and_a_fresh_proof() {
        let p = policy();
        let owner = p.secret.clone().unwrap();
        let client = owner.client_secret();
        let mut r = ReplayCache::default();
        let inside = Peer::Tcp("10.1.2.3:5000".parse().unwrap());
        let outside = Peer::Tcp("192.0.2.1:5000".parse().unwrap());
        let mapped = Peer::Tcp("[::ffff:10.9.9.9]:1".parse().unwrap());
        let refused = |peer, h: ClientHello, r: &mut ReplayCache| p.admit(peer, &h, 0, r).unwrap_err();
        assert!(refused(outside, hello(Some(&owner), 0, 1), &mut r).contains("not allowed"));
        assert!(refused(inside, hello(None, 0, 1), &mut r).contains("no secret"));
        let wrong = Secret::from_bytes([4; 32]);
        assert!(refused(inside, hello(Some(&wrong), 0, 1), &mut r).contains("wrong secret"));
        let untrusted = Ok(Admission { trusted: false });
        assert_eq!(p.admit(inside, &hello(Some(&client), 0, 2), 0, &mut r), untrusted);
        assert!(refused(inside, hello(Some(&client), 0, 2), &mut r).contains("replayed"));
        assert_eq!(p.admit(mapped, &hello(Some(&client), 0, 3), 0, &mut r), untrusted);
        // Whoever proves the owner secret is the owner, from any host; the client secret never
        // makes one, not even from this machine.
        assert_eq!(
            p.admit(inside, &hello(Some(&owner), 0, 4), 0, &mut r),
            Ok(Admission { trusted: true })
        );
        let p = AuthPolicy { allow: vec![], ..p };
        let loopback = Peer::Tcp("127.0.0.1:9".parse().unwrap());
        assert_eq!(
            p.admit(loopback, &hello(Some(&client), 0, 5), 0, &mut r),
            untrusted
        );
        assert!(p.admit(loopback, &hello(None, 0, 6), 0, &mut r).is_err());
    }

    #[test]
    fn no_auth_trusts_everyone_but_keeps_the_host_list() {
        let p = AuthPolicy {
            secret: None,
            ..policy()
        };
        let mut r = ReplayCache::default();
        let inside = Peer::Tcp("10.1.2.3:5000".parse().unwrap());
        let outside = Peer::Tcp("192.0.2.1:5000".parse().unwrap());
        assert_eq!(
            p.admit(inside, &hello(None, 0, 0), 0, &mut r),
            Ok(Admission { trusted: true })
        );
        assert!(p.admit(outside, &hello(None, 0, 0), 0, &mut r).is_err());
    }
}
