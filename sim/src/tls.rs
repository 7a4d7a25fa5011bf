//! The TLS port's certificate and server configuration. MSAL refuses an authority that is
//! not https, so the sign-in endpoints (and everything else) are served over TLS too, on a
//! second loopback port, with a self-signed certificate made at start-up (rcgen, ECDSA
//! P-256) for `127.0.0.1` and `localhost`, valid from today for a year. Its SHA-256
//! fingerprint and the base64 SHA-256 of its public key (what Chromium's
//! `--ignore-certificate-errors-spki-list` wants) are printed at start-up; `--tls-cert-out`
//! writes the PEM for a browser or Node (`NODE_EXTRA_CA_CERTS`) to trust.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rcgen::{
    date_time_ymd, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
    KeyUsagePurpose, PublicKeyData,
};
use sha2::{Digest, Sha256};
use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

use crate::util::{format_iso, now_secs};

/// The generated certificate and what serves it.
pub struct Tls {
    pub acceptor: TlsAcceptor,
    /// The certificate, DER (a test's client trusts it).
    #[cfg_attr(not(test), allow(dead_code))]
    pub cert_der: Vec<u8>,
    pub cert_pem: String,
    /// `AB:CD:…`, upper-case hex SHA-256 of the certificate (as browsers and openssl show).
    pub cert_sha256: String,
    /// base64 SHA-256 of the SubjectPublicKeyInfo.
    pub spki_sha256: String,
}

pub fn generate() -> Result<Tls, String> {
    let key = rcgen::KeyPair::generate().map_err(|e| format!("cannot make a TLS key: {e}"))?;
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .map_err(|e| format!("cannot make the TLS certificate: {e}"))?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "mde-sim 127.0.0.1");
    params.distinguished_name = name;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let (y, m, d) = today();
    params.not_before = date_time_ymd(y, m, d);
    params.not_after = date_time_ymd(y + 1, m, d.min(28));
    let cert = params
        .self_signed(&key)
        .map_err(|e| format!("cannot make the TLS certificate: {e}"))?;
    let cert_der = cert.der().to_vec();
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let mut config = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .and_then(|b| {
            b.with_no_client_auth()
                .with_single_cert(vec![CertificateDer::from(cert_der.clone())], key_der)
        })
        .map_err(|e| format!("cannot configure TLS: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let cert_sha256 = Sha256::digest(&cert_der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    let spki_sha256 = STANDARD.encode(Sha256::digest(key.subject_public_key_info()));
    Ok(Tls {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        cert_pem: cert.pem(),
        cert_der,
        cert_sha256,
        spki_sha256,
    })
}

/// Today's UTC date.
fn today() -> (i32, u8, u8) {
    let iso = format_iso(now_secs(), 0);
    let num = |r: std::ops::Range<usize>| iso.get(r).and_then(|s| s.parse::<i32>().ok());
    match (num(0..4), num(5..7), num(8..10)) {
        (Some(y), Some(m), Some(d)) => (y, m as u8, d as u8),
        _ => (2026, 1, 1),
    }
}
