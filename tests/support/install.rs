//! Finding the PostgreSQL installation to test against, and making a private copy of it
//! without pgTAP's extension files.
//!
//! PostgreSQL finds its share and lib directories relative to its own executable (the path
//! between the compiled-in bindir and sharedir, see `make_relative_path` in
//! src/port/path.c), so the copy mirrors the original absolute layout under a new root: the
//! executables are hard links or copies (a symlink would be resolved back to the original
//! tree; only `initdb`, `pg_ctl` and `postgres` are needed to run a cluster), every
//! other file and directory is a symlink to the original, and only `extension/` is a real
//! directory, with everything but `pgtap*` linked into it.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::Context;

/// The bin directory of the PostgreSQL under test: `CPA_PG_BIN`, else `pg_config --bindir`,
/// else Debian's PostgreSQL 15. Canonical, and checked to hold `initdb`, `pg_ctl` and
/// `postgres`.
pub(crate) fn pg_bin_dir() -> Result<PathBuf, String> {
    let (dir, source) = if let Some(dir) = std::env::var_os("CPA_PG_BIN") {
        (PathBuf::from(dir), "CPA_PG_BIN")
    } else if let Some(dir) = pg_config("pg_config", "--bindir") {
        (PathBuf::from(dir), "pg_config --bindir")
    } else {
        (PathBuf::from("/usr/lib/postgresql/15/bin"), "the default")
    };
    checked_bin_dir(&dir, source)
}

/// `dir` made canonical, checked to hold `initdb`, `pg_ctl` and `postgres` (the only programs
/// the harness runs from it: builds such as @embedded-postgres ship no psql or pg_config).
pub(crate) fn checked_bin_dir(dir: &Path, source: &str) -> Result<PathBuf, String> {
    let dir = dir
        .canonicalize()
        .ctx(|| format!("PostgreSQL bin dir {} (from {source})", dir.display()))?;
    for exe in ["initdb", "pg_ctl", "postgres"] {
        if !dir.join(exe).is_file() {
            return Err(format!(
                "{} (from {source}) has no {exe}; set CPA_PG_BIN to a PostgreSQL bin directory",
                dir.display()
            ));
        }
    }
    Ok(dir)
}

fn pg_config(program: impl AsRef<std::ffi::OsStr>, flag: &str) -> Option<String> {
    let out = Command::new(program).arg(flag).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// The share directory belonging to `bin` (the one holding `postgres.bki` and `extension/`).
/// `CPA_PG_SHARE` overrides; otherwise a `pg_config` that belongs to this bin dir, otherwise
/// the usual layouts relative to it (Debian's /usr/lib/postgresql/N/bin ->
/// /usr/share/postgresql/N, and a source install's PREFIX/share[/postgresql]).
pub(crate) fn share_dir(bin: &Path) -> Result<PathBuf, String> {
    let mut candidates = Vec::new();
    if let Some(dir) = std::env::var_os("CPA_PG_SHARE") {
        candidates.push(PathBuf::from(dir));
    }
    if let Some(dir) = pg_config(bin.join("pg_config"), "--sharedir") {
        candidates.push(PathBuf::from(dir));
    }
    let path_pg_config_matches = pg_config("pg_config", "--bindir")
        .and_then(|b| Path::new(&b).canonicalize().ok())
        .is_some_and(|b| b == bin);
    if path_pg_config_matches {
        if let Some(dir) = pg_config("pg_config", "--sharedir") {
            candidates.push(PathBuf::from(dir));
        }
    }
    if let Some(prefix) = bin.parent() {
        // Debian: /usr/lib/postgresql/15/bin -> /usr/share/postgresql/15
        if let (Some(major), Some(lib_pg)) = (prefix.file_name(), prefix.parent()) {
            if lib_pg.ends_with("lib/postgresql") {
                if let Some(root) = lib_pg.parent().and_then(Path::parent) {
                    candidates.push(root.join("share/postgresql").join(major));
                }
            }
        }
        candidates.push(prefix.join("share/postgresql"));
        candidates.push(prefix.join("share"));
    }
    candidates
        .iter()
        .find(|c| c.join("postgres.bki").is_file())
        .and_then(|c| c.canonicalize().ok())
        .ok_or_else(|| {
            format!(
                "cannot find the share directory of {} (looked in {candidates:?}); set CPA_PG_SHARE",
                bin.display()
            )
        })
}

enum Special {
    /// The bin dir: hard links (or copies) of the executables a cluster needs.
    Bin,
    /// `extension/`: symlinks to everything but pgTAP.
    ExtensionsWithoutPgtap,
}

/// Builds the copy under `root` and returns its bin dir.
pub(crate) fn copy_without_pgtap(bin: &Path, root: &Path) -> Result<PathBuf, String> {
    let share = share_dir(bin)?;
    let specials = [
        (bin.to_path_buf(), Special::Bin),
        (share.join("extension"), Special::ExtensionsWithoutPgtap),
    ];
    // The bin dir's parent holds lib/ (pkglibdir) in both Debian and source layouts.
    let prefix = bin.parent().ok_or("the bin dir has no parent")?;
    mirror(prefix, &under(root, prefix), &specials)?;
    if !share.starts_with(prefix) {
        mirror(&share, &under(root, &share), &specials)?;
    }
    Ok(under(root, bin))
}

/// `root` + the absolute path `p`.
fn under(root: &Path, p: &Path) -> PathBuf {
    root.join(p.strip_prefix("/").unwrap_or(p))
}

fn mirror(src: &Path, dst: &Path, specials: &[(PathBuf, Special)]) -> Result<(), String> {
    if let Some((_, kind)) = specials.iter().find(|(p, _)| p == src) {
        return match kind {
            Special::Bin => link_executables(src, dst),
            Special::ExtensionsWithoutPgtap => link_filtered(src, dst),
        };
    }
    fs::create_dir_all(dst).ctx(|| format!("create {}", dst.display()))?;
    for entry in fs::read_dir(src).ctx(|| format!("read {}", src.display()))? {
        let entry = entry.ctx(|| format!("read {}", src.display()))?;
        let path = entry.path();
        let target = dst.join(entry.file_name());
        if specials.iter().any(|(p, _)| p.starts_with(&path)) {
            mirror(&path, &target, specials)?;
        } else {
            symlink(&path, &target).ctx(|| format!("symlink {}", target.display()))?;
        }
    }
    Ok(())
}

const ESSENTIAL: [&str; 3] = ["initdb", "pg_ctl", "postgres"];

fn link_executables(src: &Path, dst: &Path) -> Result<(), String> {
    fs::create_dir_all(dst).ctx(|| format!("create {}", dst.display()))?;
    for entry in fs::read_dir(src).ctx(|| format!("read {}", src.display()))? {
        let entry = entry.ctx(|| format!("read {}", src.display()))?;
        if !ESSENTIAL.iter().any(|e| entry.file_name() == *e) {
            continue;
        }
        let Ok(real) = entry.path().canonicalize() else {
            continue; // a dangling symlink: nothing to copy
        };
        if !real.is_file() {
            continue;
        }
        let target = dst.join(entry.file_name());
        if fs::hard_link(&real, &target).is_err() {
            // Another file system: a copy (permissions included) does as well.
            fs::copy(&real, &target).ctx(|| format!("copy {}", real.display()))?;
        }
    }
    Ok(())
}

fn link_filtered(src: &Path, dst: &Path) -> Result<(), String> {
    fs::create_dir_all(dst).ctx(|| format!("create {}", dst.display()))?;
    for entry in fs::read_dir(src).ctx(|| format!("read {}", src.display()))? {
        let entry = entry.ctx(|| format!("read {}", src.display()))?;
        if entry.file_name().to_string_lossy().starts_with("pgtap") {
            continue;
        }
        let target = dst.join(entry.file_name());
        symlink(entry.path(), &target).ctx(|| format!("symlink {}", target.display()))?;
    }
    Ok(())
}
