//! Files only the service's own user may read: the database, documents, secrets. Folders we
//! create are 0700, files we create 0600 (on Unix; elsewhere the platform's defaults).

use std::{io, path::Path};

/// Creates `dir` and any missing parents, owner-only. Folders that exist are left as they are.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// [`create_dir_all`] for async code.
pub async fn create_dir_all_async(dir: &Path) -> io::Result<()> {
    let mut builder = tokio::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir).await
}

/// Creates `path` empty and owner-only if it does not exist; an existing file is not touched.
pub fn touch(path: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

/// Writes `bytes` to a new, owner-only file at `path`; fails if it exists.
pub fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    io::Write::write_all(&mut options.open(path)?, bytes)
}

/// The permission bits that let group or others at `path` (Unix only), if any.
pub fn loose_permissions(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Logs a warning when a secret's file can be read by group or others (it is still used).
pub fn warn_if_loose(path: &Path, what: &str) {
    if let Some(mode) = loose_permissions(path) {
        tracing::warn!(
            path = %path.display(),
            mode = format!("{mode:o}"),
            "the {what} file can be read by other users; restrict it with chmod 600"
        );
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn folders_and_files_we_create_are_owner_only_and_loose_ones_are_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b");
        create_dir_all(&deep).unwrap();
        assert_eq!((mode(&dir.path().join("a")), mode(&deep)), (0o700, 0o700));
        let file = deep.join("f");
        touch(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(loose_permissions(&file), None);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        touch(&file).unwrap();
        assert_eq!(loose_permissions(&file), Some(0o644), "an existing file is not changed");
    }
}
