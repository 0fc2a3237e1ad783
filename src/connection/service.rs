//! Connection service files (`pg_service.conf`) as libpq reads them (`parseServiceInfo` and
//! `parseServiceFile` in fe-connect.c): the service named by `service=` or PGSERVICE is looked
//! up in the user's file (servicefile=, else PGSERVICEFILE, else ~/.pg_service.conf), and only
//! when that file lacks it, in the system file (PGSYSCONFDIR/pg_service.conf, else Debian's
//! /etc/postgresql-common/pg_service.conf). Its settings fill what the connection string left
//! unset, ahead of the environment.
//!
//! Reference: <https://www.postgresql.org/docs/current/libpq-pgservice.html>.

use std::path::{Path, PathBuf};

use super::keywords;
use crate::error::{Error, Result};

/// Debian's SYSCONFDIR for libpq (`pg_config --sysconfdir`), where psql looks without
/// PGSYSCONFDIR.
pub const DEFAULT_SYSCONFDIR: &str = "/etc/postgresql-common";

/// A file to search; a `required` one (named by servicefile= or PGSERVICEFILE) must exist,
/// the default ones are skipped when missing, as in libpq.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceFile {
    pub path: PathBuf,
    pub required: bool,
}

/// The files to search, in order: the user's, then the system's.
pub fn files(
    servicefile: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Vec<ServiceFile> {
    let user = match servicefile
        .map(String::from)
        .or_else(|| env("PGSERVICEFILE"))
    {
        Some(f) => Some(ServiceFile {
            path: PathBuf::from(f),
            required: true,
        }),
        None => home.map(|h| ServiceFile {
            path: h.join(".pg_service.conf"),
            required: false,
        }),
    };
    let sysconf = env("PGSYSCONFDIR").unwrap_or_else(|| DEFAULT_SYSCONFDIR.to_string());
    user.into_iter()
        .chain(std::iter::once(ServiceFile {
            path: Path::new(&sysconf).join("pg_service.conf"),
            required: false,
        }))
        .collect()
}

/// The settings of `service` and the file they come from: the first that defines it. `read` gives a file's text,
/// or `None` when it does not exist (libpq skips a missing file).
pub fn lookup(
    service: &str,
    files: &[ServiceFile],
    read: &dyn Fn(&Path) -> Option<String>,
) -> Result<(PathBuf, Vec<(String, String)>)> {
    for file in files {
        let Some(text) = read(&file.path) else {
            if file.required {
                return Err(Error::Usage(format!(
                    "service file \"{}\" not found; fix servicefile= or PGSERVICEFILE",
                    file.path.display()
                )));
            }
            continue;
        };
        if let Some(settings) = section(service, &file.path, &text)? {
            return Ok((file.path.clone(), settings));
        }
    }
    let searched: Vec<String> = files
        .iter()
        .map(|f| format!("\"{}\"", f.path.display()))
        .collect();
    Err(Error::Usage(format!(
        "definition of service \"{service}\" not found (searched {}); define it there, or fix service= or PGSERVICE",
        searched.join(" and ")
    )))
}

/// The `key=value` lines of the `[service]` section, `None` when the file has no such
/// section. Errors carry the file and line, as libpq's do.
fn section(service: &str, file: &Path, text: &str) -> Result<Option<Vec<(String, String)>>> {
    let mut found = false;
    let mut out = Vec::new();
    let syntax = |n: usize, what: &str| {
        Error::Usage(format!(
            "{what} in service file \"{}\", line {n}; fix that line",
            file.display()
        ))
    };
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_matches(|c: char| c.is_ascii_whitespace());
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            if found {
                break;
            }
            // libpq compares the name and then expects "]"; anything after it is ignored.
            found = rest
                .strip_prefix(service)
                .is_some_and(|r| r.starts_with(']'));
            continue;
        }
        if !found {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(syntax(i + 1, "syntax error"));
        };
        if key == "service" || key == "servicefile" {
            return Err(syntax(
                i + 1,
                &format!("nested \"{key}\" specifications are not supported"),
            ));
        }
        if keywords::find(key).is_none() {
            return Err(syntax(
                i + 1,
                &format!("syntax error (unknown keyword \"{key}\")"),
            ));
        }
        // The first setting of a keyword wins: libpq never overrides a value it has.
        if !out.iter().any(|(k, _): &(String, String)| k == key) {
            out.push((key.to_string(), value.to_string()));
        }
    }
    Ok(found.then_some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn reader(files: &[(&str, &str)]) -> impl Fn(&Path) -> Option<String> {
        let map: HashMap<PathBuf, String> = files
            .iter()
            .map(|(p, t)| (PathBuf::from(p), t.to_string()))
            .collect();
        move |p: &Path| map.get(p).cloned()
    }

    fn opt(p: &str) -> ServiceFile {
        ServiceFile {
            path: PathBuf::from(p),
            required: false,
        }
    }

    fn paths(files: Vec<ServiceFile>) -> Vec<(PathBuf, bool)> {
        files.into_iter().map(|f| (f.path, f.required)).collect()
    }

    #[test]
    fn a_named_file_must_exist() {
        let files = [
            ServiceFile {
                path: PathBuf::from("/named"),
                required: true,
            },
            opt("/s"),
        ];
        let read = reader(&[("/s", "[prod]\nhost=x\n")]);
        match lookup("prod", &files, &read) {
            Err(Error::Usage(m)) => {
                assert!(m.starts_with("service file \"/named\" not found"), "{m}")
            }
            other => panic!("{other:?}"),
        }
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn first_file_with_the_section_wins() {
        let files = [opt("/u"), opt("/s")];
        let read = reader(&[
            ("/u", "# mine\n[other]\nhost=x\n\n  [prod]  \n host=db1 \nport=6000\nhost=ignored\n[next]\nhost=no\n"),
            ("/s", "[prod]\nhost=system\n[sys]\nhost=sys\n"),
        ]);
        assert_eq!(
            lookup("prod", &files, &read).expect("found").1,
            pairs(&[("host", "db1"), ("port", "6000")])
        );
        assert_eq!(
            lookup("sys", &files, &read).expect("found").1,
            pairs(&[("host", "sys")])
        );
        // A missing user file is skipped.
        let read = reader(&[("/s", "[prod]\nhost=system\n")]);
        assert_eq!(
            lookup("prod", &files, &read).expect("found").1,
            pairs(&[("host", "system")])
        );
    }

    #[test]
    fn errors_name_the_service_or_the_line() {
        let files = [opt("/u")];
        let read = reader(&[(
            "/u",
            "[a]\nhost=x\nnonsense\n[b]\nbogus=1\n[c]\nservice=a\n[d]\nrequiressl=1\n",
        )]);
        let msg = |s: &str| match lookup(s, &files, &read) {
            Err(Error::Usage(m)) => m,
            other => panic!("{other:?}"),
        };
        assert!(msg("nope").starts_with("definition of service \"nope\" not found"));
        assert!(msg("a").contains("\"/u\", line 3"), "{}", msg("a"));
        assert!(msg("b").contains("unknown keyword \"bogus\""));
        assert!(msg("c").contains("nested"));
        // requiressl is an alias in connection strings only; libpq's service parser rejects it.
        assert!(msg("d").contains("unknown keyword \"requiressl\""));
    }

    #[test]
    fn file_order() {
        let env = |k: &str| match k {
            "PGSERVICEFILE" => Some("/env/svc".to_string()),
            "PGSYSCONFDIR" => Some("/etc/pg".to_string()),
            _ => None,
        };
        assert_eq!(
            paths(files(None, &env, Some(Path::new("/home/u")))),
            [
                (PathBuf::from("/env/svc"), true),
                (PathBuf::from("/etc/pg/pg_service.conf"), false)
            ]
        );
        assert_eq!(
            paths(files(Some("/kw"), &env, None)),
            [
                (PathBuf::from("/kw"), true),
                (PathBuf::from("/etc/pg/pg_service.conf"), false)
            ]
        );
        assert_eq!(
            paths(files(None, &|_| None, Some(Path::new("/home/u")))),
            [
                (PathBuf::from("/home/u/.pg_service.conf"), false),
                (
                    PathBuf::from("/etc/postgresql-common/pg_service.conf"),
                    false
                )
            ]
        );
    }
}
