//! The display's secret on disk: created at start, readable only by the server's user, removed
//! at exit (like an Xauthority entry that lives as long as the display).

use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use dispd_protocol::auth::{secret_path, Secret};

/// A secret file that is removed when dropped.
#[derive(Debug)]
pub struct SecretFile {
    path: PathBuf,
}

impl SecretFile {
    /// Makes a fresh random secret for `display` and writes it under `dir` (created with mode
    /// 0700; the file gets 0600).
    pub fn create(dir: &Path, display: u16) -> std::io::Result<(Secret, SecretFile)> {
        let mut bytes = [0u8; 32];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
        let secret = Secret::from_bytes(bytes);
        std::fs::create_dir_all(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        let path = secret_path(dir, display);
        let tmp = path.with_extension("tmp");
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(format!("{}\n", secret.to_hex()).as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        Ok((secret, SecretFile { path }))
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SecretFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Reads the secret of `display` under `dir`.
pub fn read_secret(dir: &Path, display: u16) -> Result<Secret, String> {
    let path = secret_path(dir, display);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "cannot read {}: {e} (is `dispd :{display}` running as this user?)",
            path.display()
        )
    })?;
    Secret::from_hex(&text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_file_is_private_and_removed() {
        let dir = tempfile::TempDir::new().unwrap();
        let sub = dir.path().join("auth");
        let (secret, file) = SecretFile::create(&sub, 4).unwrap();
        let mode = std::fs::metadata(file.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(
            std::fs::metadata(&sub).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert_eq!(read_secret(&sub, 4).unwrap(), secret);
        let path = file.path().to_owned();
        drop(file);
        assert!(!path.exists());
        assert!(read_secret(&sub, 4)
            .unwrap_err()
            .contains("is `dispd :4` running"));
    }
}
