//! A client whose handshake read is interrupted (a stop and continue, as from a shell's Ctrl-Z
//! and `fg`, or a debugger) carries on with the handshake instead of failing with "Interrupted
//! system call". Reads with a timeout are never restarted by the kernel, and the handshake reads
//! with a 30 s timeout.

use std::io::Read;
use std::os::unix::net::UnixListener;
use std::process::{Command, Stdio};
use std::time::Duration;

use dispd_protocol::handshake::ServerAnswer;
use dispd_protocol::PROTOCOL_VERSION;

fn signal(pid: u32, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill {sig} {pid}");
}

#[test]
fn a_stopped_and_continued_client_finishes_its_handshake() {
    let dir = tempfile::tempdir().expect("temp dir");
    let listener = UnixListener::bind(dir.path().join("D77")).expect("bind");
    let mut child = Command::new(env!("CARGO_BIN_EXE_dispinfo"))
        .args(["--display", ":77"])
        .env("DISPD_SOCKET_DIR", dir.path())
        .env_remove("DISPD_AUTHORITY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start dispinfo");
    let (mut conn, _) = listener.accept().expect("accept");
    let mut hello = [0u8; 8];
    conn.read_exact(&mut hello).expect("the hello starts");
    // The client now waits in its handshake read.
    std::thread::sleep(Duration::from_millis(100));
    signal(child.id(), "-STOP");
    std::thread::sleep(Duration::from_millis(50));
    signal(child.id(), "-CONT");
    std::thread::sleep(Duration::from_millis(100));
    let answer = ServerAnswer::Refused {
        version: PROTOCOL_VERSION,
        reason: "refused by the test server".into(),
    };
    // Fails (broken pipe) if the client has already given up; its message says why.
    let _ = std::io::Write::write_all(&mut conn, &answer.encode());
    let mut stderr = String::new();
    let _ = child.stderr.take().expect("stderr").read_to_string(&mut stderr);
    let status = child.wait().expect("wait");
    assert!(!status.success());
    assert!(
        stderr.contains("refused by the test server") && !stderr.contains("nterrupted"),
        "{stderr}"
    );
}
