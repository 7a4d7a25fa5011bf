//! The simulated Entra ID's token-signing keys and the JWTs it signs (RS256, as Entra).
//!
//! A key is an RSA 2048 pair made when the simulator starts (aws-lc-rs), with a self-signed
//! certificate for it (rcgen) so the JWKS carries `x5c` and `x5t` like Entra's; its `kid`
//! is, as Entra's, the base64url SHA-1 thumbprint of that certificate (= `x5t`).
//! `POST /_sim/oidc/rotate` makes a new key; the JWKS then lists the new key first and the
//! one it replaced after it (Entra's rollover keeps old keys published for a while), so
//! tokens signed before the rotation still verify. A third key, never published, signs the
//! "foreign key" tokens of `POST /_sim/oidc/token`.

use aws_lc_rs::digest::{digest, SHA1_FOR_LEGACY_USE_ONLY};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair as _, RsaKeyPair, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rcgen::{CertificateParams, DistinguishedName, DnType, PKCS_RSA_SHA256};
use serde_json::{json, Value};

/// One RSA signing key with its JWK fields.
pub struct SigningKey {
    pair: RsaKeyPair,
    kid: String,
    /// The certificate for the key, DER.
    cert: Vec<u8>,
}

impl SigningKey {
    pub fn generate() -> Result<SigningKey, String> {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| "cannot generate an RSA key".to_owned())?;
        let pkcs8 = pair
            .as_der()
            .map_err(|_| "cannot encode the RSA key".to_owned())?;
        let cert_key = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
            &pkcs8.as_ref().to_vec().into(),
            &PKCS_RSA_SHA256,
        )
        .map_err(|e| format!("cannot load the RSA key for its certificate: {e}"))?;
        let mut params = CertificateParams::default();
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, "mde-sim token signing");
        params.distinguished_name = name;
        let cert = params
            .self_signed(&cert_key)
            .map_err(|e| format!("cannot make the signing certificate: {e}"))?
            .der()
            .to_vec();
        let kid = URL_SAFE_NO_PAD.encode(digest(&SHA1_FOR_LEGACY_USE_ONLY, &cert));
        Ok(SigningKey { pair, kid, cert })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as Entra's JWKS lists it.
    pub fn jwk(&self, issuer: &str) -> Value {
        let public = self.pair.public_key();
        json!({
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.kid,
            "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
            "x5c": [STANDARD.encode(&self.cert)],
            "cloud_instance_name": "microsoftonline.com",
            "issuer": issuer,
        })
    }

    /// A compact JWS: `header.payload.signature`, RS256, the header naming `kid`.
    pub fn sign(&self, kid: &str, claims: &Value) -> Result<String, String> {
        let header = json!({"typ": "JWT", "alg": "RS256", "kid": kid});
        let input = format!("{}.{}", b64_json(&header), b64_json(claims));
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| "cannot sign the token".to_owned())?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

/// base64url (no padding) of a value's compact JSON.
pub fn b64_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// The published keys: the current one (signs), the one it replaced (still published, or
/// not after a rotation with `keep_previous: false`), and the unpublished foreign key.
pub struct Keys {
    current: SigningKey,
    previous: Option<SigningKey>,
    foreign: Option<SigningKey>,
}

impl Keys {
    pub fn generate() -> Result<Keys, String> {
        Ok(Keys {
            current: SigningKey::generate()?,
            previous: None,
            foreign: None,
        })
    }

    pub fn current(&self) -> &SigningKey {
        &self.current
    }

    /// The JWKS document: `{"keys": [current, previous?]}`.
    pub fn jwks(&self, issuer: &str) -> Value {
        let keys: Vec<Value> = std::iter::once(&self.current)
            .chain(self.previous.as_ref())
            .map(|k| k.jwk(issuer))
            .collect();
        json!({ "keys": keys })
    }

    /// The kids the JWKS lists, current first.
    pub fn kids(&self) -> Vec<String> {
        std::iter::once(&self.current)
            .chain(self.previous.as_ref())
            .map(|k| k.kid.clone())
            .collect()
    }

    /// A new current key; the old one stays published if `keep_previous`.
    pub fn rotate(&mut self, keep_previous: bool) -> Result<(), String> {
        let old = std::mem::replace(&mut self.current, SigningKey::generate()?);
        self.previous = keep_previous.then_some(old);
        Ok(())
    }

    /// Signed with the current key.
    pub fn sign(&self, claims: &Value) -> Result<String, String> {
        self.current.sign(&self.current.kid, claims)
    }

    /// Signed with a key the JWKS never lists, under the current key's `kid`.
    pub fn sign_foreign(&mut self, claims: &Value) -> Result<String, String> {
        if self.foreign.is_none() {
            self.foreign = Some(SigningKey::generate()?);
        }
        let foreign = self.foreign.as_ref().ok_or("no foreign key")?;
        foreign.sign(&self.current.kid, claims)
    }
}

/// An unsigned token: header `{"typ":"JWT","alg":"none"}` and an empty signature.
pub fn unsigned(claims: &Value) -> String {
    let header = json!({"typ": "JWT", "alg": "none"});
    format!("{}.{}.", b64_json(&header), b64_json(claims))
}

/// `token` with its payload replaced by `claims`, the signature kept (so it no longer
/// matches).
pub fn with_payload(token: &str, claims: &Value) -> String {
    let mut parts = token.splitn(3, '.');
    let header = parts.next().unwrap_or_default();
    let _ = parts.next();
    let signature = parts.next().unwrap_or_default();
    format!("{header}.{}.{signature}", b64_json(claims))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};

    fn decoding_key(jwk: &Value) -> DecodingKey {
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap()
    }

    #[test]
    fn signs_what_its_jwks_verifies_and_rotates() {
        let mut keys = Keys::generate().unwrap();
        let claims = json!({"aud": "a", "exp": 4_000_000_000u64, "sub": "x"});
        let token = keys.sign(&claims).unwrap();
        let jwks = keys.jwks("https://issuer/v2.0");
        let jwk = &jwks["keys"][0];
        assert_eq!(jwk["kid"], keys.current().kid());
        assert_eq!(jwk["e"], "AQAB");
        assert_eq!(jwk["issuer"], "https://issuer/v2.0");
        assert_eq!(
            decode_header(&token).unwrap().kid.as_deref(),
            jwk["kid"].as_str()
        );
        let mut v = Validation::new(Algorithm::RS256);
        v.set_audience(&["a"]);
        let got = decode::<Value>(&token, &decoding_key(jwk), &v).unwrap();
        assert_eq!(got.claims, claims);

        let old = keys.current().kid().to_owned();
        keys.rotate(true).unwrap();
        assert_ne!(keys.current().kid(), old);
        assert_eq!(keys.kids(), [keys.current().kid().to_owned(), old.clone()]);
        // The old token still verifies with the old key, still published.
        let jwks = keys.jwks("i");
        assert!(decode::<Value>(&token, &decoding_key(&jwks["keys"][1]), &v).is_ok());
        assert!(decode::<Value>(&token, &decoding_key(&jwks["keys"][0]), &v).is_err());
        keys.rotate(false).unwrap();
        assert_eq!(keys.kids().len(), 1);

        // The foreign key signs under the current kid, and the JWKS cannot verify it.
        let foreign = keys.sign_foreign(&claims).unwrap();
        let jwks = keys.jwks("i");
        assert_eq!(
            decode_header(&foreign).unwrap().kid.as_deref(),
            Some(keys.current().kid())
        );
        assert!(decode::<Value>(&foreign, &decoding_key(&jwks["keys"][0]), &v).is_err());

        // A changed payload under the original signature fails; alg none is refused.
        let tampered = with_payload(
            &keys.sign(&claims).unwrap(),
            &json!({"aud": "a", "exp": 4_000_000_000u64, "sub": "y"}),
        );
        assert!(decode::<Value>(&tampered, &decoding_key(&jwks["keys"][0]), &v).is_err());
        assert!(decode::<Value>(&unsigned(&claims), &decoding_key(&jwks["keys"][0]), &v).is_err());
    }
}
