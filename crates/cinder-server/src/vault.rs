//! Encryption at rest for the catalog's secrets (backend configs, public token values).
//!
//! Secrets are sealed with AES-256-GCM under `LOGFLARE_DB_ENCRYPTION_KEY` (base64, 32 bytes).
//! A sealed value is the text `cinder:v1:<key id>:<base64 of nonce and ciphertext>`, where the
//! key id is derived from the key itself (the first 8 bytes of its SHA-256, in hex): it names
//! the key, so data written under any earlier key — including a generated one, which Logflare's
//! rotation loses track of — is opened by whichever configured key it names. With
//! `LOGFLARE_DB_ENCRYPTION_KEY_RETIRED` set, start-up re-seals every value under the current
//! key, one document at a time: a crash half-way leaves each document readable by one of the
//! two keys, and the next start finishes the job.
//!
//! Without `LOGFLARE_DB_ENCRYPTION_KEY`, a key is generated on first start and kept in the
//! data directory (mode 0600), with a warning that production should set the variable; when the
//! variable is set later, that file's key is used as a retired key automatically.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::{bail, Context};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The file a generated key is kept in, inside the data directory.
pub const GENERATED_KEY_FILE: &str = "encryption-key";
const PREFIX: &str = "cinder:v1:";

struct Key {
    id: String,
    cipher: Aes256Gcm,
}

impl Key {
    fn from_base64(text: &str, variable: &str) -> anyhow::Result<Self> {
        let bytes = STANDARD
            .decode(text.trim())
            .with_context(|| format!("{variable} is not valid base64"))?;
        if bytes.len() != 32 {
            bail!(
                "{variable} must be 32 bytes (base64 of 32 random bytes), got {}",
                bytes.len()
            );
        }
        let id = Sha256::digest(&bytes)[..8]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        let cipher = Aes256Gcm::new_from_slice(&bytes).expect("32-byte key");
        Ok(Self { id, cipher })
    }
}

/// The keys: the current one seals, every one opens.
pub struct Vault {
    current: Key,
    retired: Vec<Key>,
    /// The current key was generated (no `LOGFLARE_DB_ENCRYPTION_KEY`).
    generated: bool,
}

impl std::fmt::Debug for Vault {
    /// Names the keys by id only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let retired: Vec<&str> = self.retired.iter().map(|key| key.id.as_str()).collect();
        f.debug_struct("Vault")
            .field("current", &self.current.id)
            .field("retired", &retired)
            .finish()
    }
}

impl Vault {
    /// The vault from `LOGFLARE_DB_ENCRYPTION_KEY` / `_RETIRED`, or a key kept in `data_dir`.
    pub fn open(current: Option<&str>, retired: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        let file = data_dir.join(GENERATED_KEY_FILE);
        let generated = std::fs::read_to_string(&file).ok();
        let mut retired_keys = Vec::new();
        if let Some(text) = retired.filter(|text| !text.trim().is_empty()) {
            retired_keys.push(Key::from_base64(text, "LOGFLARE_DB_ENCRYPTION_KEY_RETIRED")?);
        }
        let current_is_generated = current.is_none_or(|text| text.trim().is_empty());
        let current = match current.filter(|text| !text.trim().is_empty()) {
            Some(text) => {
                if let Some(generated) = &generated {
                    retired_keys.push(Key::from_base64(generated, &file.display().to_string())?);
                }
                Key::from_base64(text, "LOGFLARE_DB_ENCRYPTION_KEY")?
            }
            None => match generated {
                Some(text) => Key::from_base64(&text, &file.display().to_string())?,
                None => {
                    let bytes: [u8; 32] = rand::random();
                    let text = STANDARD.encode(bytes);
                    crate::write_secret(&file, &text)?;
                    tracing::warn!(
                        path = %file.display(),
                        "generated an encryption key for secrets at rest; production should set LOGFLARE_DB_ENCRYPTION_KEY"
                    );
                    Key::from_base64(&text, "the generated key")?
                }
            },
        };
        retired_keys.retain(|key| key.id != current.id);
        Ok(Self {
            current,
            retired: retired_keys,
            generated: current_is_generated,
        })
    }

    /// A vault of one key, for tests.
    pub fn with_key(key: &[u8; 32]) -> Self {
        Self {
            current: Key::from_base64(&STANDARD.encode(key), "key").expect("valid key"),
            retired: Vec::new(),
            generated: false,
        }
    }

    /// Whether retired keys are configured (start-up then re-seals everything).
    pub fn rotating(&self) -> bool {
        !self.retired.is_empty()
    }

    /// Seals a JSON value.
    pub fn seal(&self, value: &Value) -> String {
        let nonce_bytes: [u8; 12] = rand::random();
        let plaintext = serde_json::to_vec(value).expect("JSON serialises");
        let ciphertext = self
            .current
            .cipher
            .encrypt(Nonce::from_slice(&nonce_bytes), plaintext.as_slice())
            .expect("AES-GCM encryption does not fail");
        let mut sealed = nonce_bytes.to_vec();
        sealed.extend(ciphertext);
        format!("{PREFIX}{}:{}", self.current.id, STANDARD.encode(sealed))
    }

    /// Opens a sealed value; `Ok(None)` when `text` is not sealed at all.
    pub fn unseal(&self, text: &str) -> anyhow::Result<Option<(Value, bool)>> {
        let Some(rest) = text.strip_prefix(PREFIX) else {
            return Ok(None);
        };
        let (id, data) = rest.split_once(':').context("a sealed value without its key id")?;
        let key = std::iter::once(&self.current)
            .chain(&self.retired)
            .find(|key| key.id == id)
            .with_context(|| {
                format!(
                    "a secret is sealed with key {id}, which is neither LOGFLARE_DB_ENCRYPTION_KEY ({}) nor a retired key; set LOGFLARE_DB_ENCRYPTION_KEY_RETIRED to it",
                    self.current.id
                )
            })?;
        let bytes = STANDARD.decode(data).context("a sealed value that is not base64")?;
        if bytes.len() < 12 {
            bail!("a sealed value too short to hold its nonce");
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let plaintext = key.cipher.decrypt(Nonce::from_slice(nonce), ciphertext).map_err(|_| {
            anyhow::anyhow!("a secret sealed with key {id} does not decrypt: the data or the key is corrupt")
        })?;
        let value = serde_json::from_slice(&plaintext).context("a sealed value that is not JSON")?;
        Ok(Some((value, id != self.current.id)))
    }

    /// Seals `fields` of a JSON object in place.
    pub fn seal_fields(&self, document: &mut Value, fields: &[&str]) {
        for field in fields {
            if let Some(value) = document.get_mut(*field).filter(|value| !value.is_null()) {
                *value = Value::String(self.seal(value));
            }
        }
    }

    /// Opens `fields` of a JSON object in place (plain values, written before encryption
    /// existed, are taken as they are). Returns whether any was sealed with a retired key (or
    /// not at all), so the document should be written again.
    pub fn open_fields(&self, document: &mut Value, fields: &[&str]) -> anyhow::Result<bool> {
        let mut stale = false;
        for field in fields {
            let Some(value) = document.get_mut(*field) else {
                continue;
            };
            if let Some(id) = value.as_str().and_then(|text| self.lost_key(text)) {
                // A generated key lives in the data directory; with the catalog in a database of
                // its own, a new data directory means a new key. Refusing to start would lock
                // the user out for good: the secret is dropped, loudly, and must be entered again.
                tracing::error!(
                    field,
                    key = id,
                    "a secret was sealed with a generated key that is gone (a new data directory?); it is dropped and must be entered again. Set LOGFLARE_DB_ENCRYPTION_KEY so this cannot happen"
                );
                *value = Value::Null;
                stale = true;
                continue;
            }
            match value.as_str().map(|text| self.unseal(text)).transpose()?.flatten() {
                Some((opened, retired)) => {
                    *value = opened;
                    stale |= retired;
                }
                None => stale |= !value.is_null(),
            }
        }
        Ok(stale)
    }

    /// The key id of a sealed value whose key is unknown while the current key is a generated
    /// one (so the key it names was generated too, and lost).
    fn lost_key(&self, text: &str) -> Option<String> {
        let id = text.strip_prefix(PREFIX)?.split(':').next()?;
        let known = self.current.id == id || self.retired.iter().any(|key| key.id == id);
        (self.generated && !known).then(|| id.to_owned())
    }

    /// The id of the current key.
    pub fn key_id(&self) -> &str {
        &self.current.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sealed_values_name_their_key_and_open_under_it() {
        let a = Vault::with_key(&[1; 32]);
        let b = Vault::with_key(&[2; 32]);
        let secret = json!({"password": "hunter2"});
        let sealed = a.seal(&secret);
        assert!(sealed.starts_with(&format!("cinder:v1:{}:", a.key_id())), "{sealed}");
        assert!(!sealed.contains("hunter2"));
        assert_ne!(sealed, a.seal(&secret), "a fresh nonce every time");
        assert_eq!(a.unseal(&sealed).unwrap(), Some((secret.clone(), false)));
        let error = b.unseal(&sealed).unwrap_err().to_string();
        assert!(error.contains(a.key_id()) && error.contains("RETIRED"), "{error}");
        let rotating = Vault {
            current: Key::from_base64(&STANDARD.encode([2; 32]), "b").unwrap(),
            retired: vec![Key::from_base64(&STANDARD.encode([1; 32]), "a").unwrap()],
            generated: false,
        };
        assert_eq!(
            rotating.unseal(&sealed).unwrap(),
            Some((secret, true)),
            "opened by the retired key, and stale"
        );
        assert_eq!(a.unseal("plain").unwrap(), None);
    }

    #[test]
    fn tampering_is_detected() {
        let vault = Vault::with_key(&[3; 32]);
        let sealed = vault.seal(&json!("x"));
        let (head, data) = sealed.rsplit_once(':').unwrap();
        let mut bytes = STANDARD.decode(data).unwrap();
        *bytes.last_mut().unwrap() ^= 1;
        let tampered = format!("{head}:{}", STANDARD.encode(bytes));
        assert!(vault
            .unseal(&tampered)
            .unwrap_err()
            .to_string()
            .contains("does not decrypt"));
    }

    #[test]
    fn fields_are_sealed_and_opened_in_place() {
        let vault = Vault::with_key(&[4; 32]);
        let mut document = json!({"name": "drain", "config": {"api_key": "k"}, "token": null});
        vault.seal_fields(&mut document, &["config", "token"]);
        assert!(document["config"].as_str().unwrap().starts_with("cinder:v1:"));
        assert!(document["token"].is_null());
        assert!(!vault.open_fields(&mut document, &["config", "token"]).unwrap());
        assert_eq!(
            document,
            json!({"name": "drain", "config": {"api_key": "k"}, "token": null})
        );
        // A document written before encryption is read as it is, and marked for rewriting.
        let mut plain = json!({"config": {"url": "http://x"}});
        assert!(vault.open_fields(&mut plain, &["config"]).unwrap());
    }

    #[test]
    fn keys_are_checked_and_generated_once() {
        let dir = std::env::temp_dir().join(format!("cinder-vault-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        assert!(Vault::open(Some("short"), None, &dir)
            .unwrap_err()
            .to_string()
            .contains("LOGFLARE_DB_ENCRYPTION_KEY"));
        let first = Vault::open(None, None, &dir).unwrap();
        let again = Vault::open(None, None, &dir).unwrap();
        assert_eq!(first.key_id(), again.key_id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(GENERATED_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Setting the variable later keeps the generated key readable, as a retired key.
        let configured = Vault::open(Some(&STANDARD.encode([9; 32])), None, &dir).unwrap();
        let sealed = first.seal(&json!(1));
        assert_eq!(configured.unseal(&sealed).unwrap(), Some((json!(1), true)));
        assert!(configured.rotating());

        // A generated key that is gone (a new data directory): the secret is dropped, not fatal.
        let other = std::env::temp_dir().join(format!("cinder-vault-other-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&other);
        std::fs::create_dir_all(&other).unwrap();
        let fresh = Vault::open(None, None, &other).unwrap();
        let mut document = json!({"config": sealed});
        assert!(fresh.open_fields(&mut document, &["config"]).unwrap());
        assert_eq!(document, json!({"config": null}));
        // With a configured key, an unknown key is a configuration error and stops start-up.
        let mut document = json!({"config": first.seal(&json!(1))});
        assert!(configured_without_file(&other)
            .open_fields(&mut document, &["config"])
            .is_err());
    }

    fn configured_without_file(dir: &Path) -> Vault {
        let _ = std::fs::remove_file(dir.join(GENERATED_KEY_FILE));
        Vault::open(Some(&STANDARD.encode([7; 32])), None, dir).unwrap()
    }
}
