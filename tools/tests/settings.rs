//! A wrong setting in the environment is refused in one line that names it, before anything
//! is sent.

use std::process::Command;

#[test]
fn a_bad_reply_spin_setting_is_named_in_one_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    for bad in ["lots", "-1", "5000"] {
        let out = Command::new(env!("CARGO_BIN_EXE_dispinfo"))
            .args(["--display", ":77"])
            .env("DISPD_SOCKET_DIR", dir.path())
            .env("DISPD_REPLY_SPIN_US", bad)
            .output()
            .expect("run dispinfo");
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("DISPD_REPLY_SPIN_US") && stderr.contains("0 to 1000") && stderr.contains(bad),
            "{stderr}"
        );
    }
}
