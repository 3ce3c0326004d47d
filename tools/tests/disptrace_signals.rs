//! disptrace removes its listening socket when stopped with Ctrl-C (SIGINT) or SIGTERM, so the
//! display number is free again and no stale socket file is left behind.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn ctrl_c_and_sigterm_remove_the_socket_file() {
    for (n, sig) in [(71, "-INT"), (72, "-TERM")] {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_disptrace"))
            .args([&format!(":{n}"), "--to", ":79", "--socket-dir"])
            .arg(dir.path())
            .stdout(Stdio::null())
            .spawn()
            .expect("start disptrace");
        let socket = dir.path().join(format!("D{n}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "disptrace did not listen");
            std::thread::sleep(Duration::from_millis(1));
        }
        let status = Command::new("kill")
            .args([sig, &child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        let exit = loop {
            if let Some(exit) = child.try_wait().expect("wait") {
                break exit;
            }
            assert!(Instant::now() < deadline, "disptrace did not stop on {sig}");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(exit.code(), Some(130), "{sig}: {exit:?}");
        assert!(!socket.exists(), "{sig}: {} is left behind", socket.display());
    }
}
