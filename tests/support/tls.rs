//! Test certificates: a CA, a server certificate it signs for `localhost` / `127.0.0.1`, and a
//! second, unrelated CA for "wrong CA" tests. EC P-256 keys, so that generating them costs
//! milliseconds rather than the ~100 ms an RSA key would add to every cluster start.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509NameBuilder, X509};

use super::cluster::ServerUser;
use super::Context;

/// Where the generated files live.
pub(crate) struct TlsFiles {
    pub ca_cert: PathBuf,
    pub other_ca_cert: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
}

/// Writes the certificates into `dir` (created here). The server key is mode 0600 and owned by
/// the server user, as PostgreSQL insists.
pub(crate) fn generate(dir: &Path, owner: Option<&ServerUser>) -> Result<TlsFiles, String> {
    fs::create_dir_all(dir).ctx(|| format!("create {}", dir.display()))?;
    let (ca_key, ca) = make_ca("connect-pg-admin test CA").ctx(|| "generate the test CA")?;
    let (_, other_ca) =
        make_ca("connect-pg-admin unrelated CA").ctx(|| "generate the second test CA")?;
    let (server_key, server) =
        make_server_cert(&ca_key, &ca).ctx(|| "generate the server certificate")?;

    let files = TlsFiles {
        ca_cert: dir.join("ca.crt"),
        other_ca_cert: dir.join("other-ca.crt"),
        server_cert: dir.join("server.crt"),
        server_key: dir.join("server.key"),
    };
    write_pem(&files.ca_cert, &ca.to_pem().ctx(|| "encode CA")?, 0o644)?;
    write_pem(
        &files.other_ca_cert,
        &other_ca.to_pem().ctx(|| "encode CA")?,
        0o644,
    )?;
    write_pem(
        &files.server_cert,
        &server.to_pem().ctx(|| "encode server certificate")?,
        0o644,
    )?;
    let key_pem = server_key
        .private_key_to_pem_pkcs8()
        .ctx(|| "encode server key")?;
    write_pem(&files.server_key, &key_pem, 0o600)?;
    if let Some(user) = owner {
        user.chown(&files.server_key)?;
    }
    Ok(files)
}

fn write_pem(path: &Path, pem: &[u8], mode: u32) -> Result<(), String> {
    fs::write(path, pem).ctx(|| format!("write {}", path.display()))?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .ctx(|| format!("chmod {}", path.display()))
}

fn new_key() -> Result<PKey<Private>, openssl::error::ErrorStack> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    PKey::from_ec_key(EcKey::generate(&group)?)
}

/// A builder with the parts every certificate here shares: v3, random serial, valid from a
/// day ago (tolerates clock skew) for 30 days.
fn base_builder(
    subject_cn: &str,
    key: &PKey<Private>,
) -> Result<X509Builder, openssl::error::ErrorStack> {
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_text("CN", subject_cn)?;
    let name = name.build();
    let mut b = X509Builder::new()?;
    b.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(64, MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    b.set_serial_number(&serial)?;
    b.set_subject_name(&name)?;
    b.set_pubkey(key)?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let not_before = Asn1Time::from_unix(now - 86_400)?;
    b.set_not_before(&not_before)?;
    let not_after = Asn1Time::days_from_now(30)?;
    b.set_not_after(&not_after)?;
    Ok(b)
}

fn make_ca(cn: &str) -> Result<(PKey<Private>, X509), openssl::error::ErrorStack> {
    let key = new_key()?;
    let mut b = base_builder(cn, &key)?;
    let mut issuer = X509NameBuilder::new()?;
    issuer.append_entry_by_text("CN", cn)?;
    b.set_issuer_name(&issuer.build())?;
    b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
    b.append_extension(
        KeyUsage::new()
            .critical()
            .key_cert_sign()
            .crl_sign()
            .build()?,
    )?;
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None))?;
    b.append_extension(ski)?;
    b.sign(&key, MessageDigest::sha256())?;
    Ok((key, b.build()))
}

fn make_server_cert(
    ca_key: &PKey<Private>,
    ca: &X509,
) -> Result<(PKey<Private>, X509), openssl::error::ErrorStack> {
    let key = new_key()?;
    let mut b = base_builder("localhost", &key)?;
    b.set_issuer_name(ca.subject_name())?;
    b.append_extension(BasicConstraints::new().critical().build()?)?;
    b.append_extension(
        KeyUsage::new()
            .critical()
            .digital_signature()
            .key_agreement()
            .build()?,
    )?;
    b.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
    let san = SubjectAlternativeName::new()
        .dns("localhost")
        .ip("127.0.0.1")
        .build(&b.x509v3_context(Some(ca), None))?;
    b.append_extension(san)?;
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(Some(ca), None))?;
    b.append_extension(ski)?;
    let aki = AuthorityKeyIdentifier::new()
        .keyid(true)
        .build(&b.x509v3_context(Some(ca), None))?;
    b.append_extension(aki)?;
    b.sign(ca_key, MessageDigest::sha256())?;
    Ok((key, b.build()))
}
