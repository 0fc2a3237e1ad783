//! Precedence: the connection string's keywords, then the service's settings, then the
//! libpq environment, each keyword taken from the first that has it (libpq's
//! `conninfo_add_defaults`), and the refusal of every refused keyword or variable that is set.

use std::path::Path;

use super::keywords::{self, Handling};
use super::params::{Defaults, Source};
use super::{conninfo, service};
use crate::error::{Error, Result};

/// The merged settings: keyword, raw value, source.
pub struct Merged(Vec<(String, String, Source)>);

impl Merged {
    /// A value that is set and not empty.
    pub fn get(&self, key: &str) -> Option<(&str, &Source)> {
        self.raw(key).filter(|(v, _)| !v.is_empty())
    }

    /// A value as given, empty or not.
    pub fn raw(&self, key: &str) -> Option<(&str, &Source)> {
        self.0
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, v, s)| (v.as_str(), s))
    }

    fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _, _)| k == key)
    }

    fn add(&mut self, key: &str, value: String, source: Source) {
        if !self.has(key) {
            self.0.push((key.to_string(), value, source));
        }
    }
}

pub fn invalid(key: &str, value: &str, src: &Source, expected: &str) -> Error {
    Error::Usage(format!(
        "invalid {key} \"{value}\" in {}; {expected}",
        src.describe(key)
    ))
}

/// The connection string's keywords, then the service file's, then the environment's.
pub fn merge(
    dsn: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
    defaults: &Defaults,
) -> Result<Merged> {
    let mut m = Merged(
        conninfo::parse(dsn.unwrap_or(""))?
            .into_iter()
            .map(|(k, v)| (k, v, Source::ConnectionString))
            .collect(),
    );

    let service = m
        .raw("service")
        .map(|(v, _)| v.to_string())
        .or_else(|| env("PGSERVICE"));
    if let Some(name) = service {
        let servicefile = m.raw("servicefile").map(|(v, _)| v.to_string());
        let files = service::files(servicefile.as_deref(), env, defaults.home.as_deref());
        let read = |p: &Path| (defaults.read_file)(p);
        let (file, settings) = service::lookup(&name, &files, &read)?;
        for (k, v) in settings {
            m.add(&k, v, Source::Service(file.clone()));
        }
    }

    for k in keywords::KEYWORDS {
        if let Some(var) = k.env {
            if let Some(v) = env(var) {
                m.add(k.name, v, Source::Env(var));
            }
        }
    }
    // libpq: PGREQUIRESSL=1 means sslmode=require when nothing else set sslmode.
    if env("PGREQUIRESSL").is_some_and(|v| v.starts_with('1')) {
        m.add("sslmode", "require".into(), Source::Env("PGREQUIRESSL"));
    }
    Ok(m)
}

/// Refuses every refused keyword or variable that is set.
pub fn refuse(m: &Merged, env: &dyn Fn(&str) -> Option<String>) -> Result<()> {
    for k in keywords::KEYWORDS {
        if let (Handling::Refused(why), Some((_, src))) = (k.handling, m.get(k.name)) {
            return Err(Error::Usage(format!(
                "{} is set: {why}",
                src.describe(k.name)
            )));
        }
    }
    for (var, handling) in keywords::OTHER_ENV {
        if let Handling::Refused(why) = handling {
            // libpq sends nothing for an empty value or "default".
            if env(var).is_some_and(|v| !v.is_empty() && !v.eq_ignore_ascii_case("default")) {
                return Err(Error::Usage(format!("{var} is set: {why}")));
            }
        }
    }
    Ok(())
}
