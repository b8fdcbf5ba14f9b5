//! The Standard security handler (ISO 32000-2 §7.6.2–7.6.4): password-based encryption of a
//! document's strings and streams with RC4 (40 to 128-bit keys, revisions 2–4), AES-128
//! (revision 4) or AES-256 (revisions 5 and 6).
//!
//! kyso opens an encrypted document with the empty user password (the common case: a
//! document that anyone can open but whose owner restricted editing) or a password the caller
//! gives, then decrypts strings and streams as they are read. The signature dictionary's
//! `/Contents`, cross-reference streams and the encryption dictionary are never encrypted
//! (§7.6.2); neither is XMP metadata when `/EncryptMetadata` is false. Updates written to an
//! encrypted document are encrypted with the same key ([`Security::encrypt`]).
//!
//! Public-key security handlers are not supported (a clear error, never garbage).

use openssl::hash::{hash, MessageDigest};
use openssl::symm::{Cipher, Crypter, Mode};

use super::object::{Dict, ObjRef, Object};
use super::PdfError;

/// What is done to each string of an object (encrypt or decrypt).
type StringOp = dyn Fn(&Security, ObjRef, &[u8]) -> Result<Vec<u8>, PdfError>;

/// The padding string of Algorithm 2 (§7.6.4.3.2).
const PAD: [u8; 32] = [
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01,
    0x08, 0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53,
    0x69, 0x7A,
];

/// How strings or streams are encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CryptMethod {
    /// Not encrypted (`/Identity`, `/None`).
    Identity,
    /// RC4 (`/V2`).
    Rc4,
    /// AES-128-CBC (`/AESV2`).
    Aes128,
    /// AES-256-CBC (`/AESV3`).
    Aes256,
}

impl CryptMethod {
    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            CryptMethod::Identity => "none",
            CryptMethod::Rc4 => "RC4",
            CryptMethod::Aes128 => "AES-128",
            CryptMethod::Aes256 => "AES-256",
        }
    }
}

/// An opened Standard security handler: the file key and how to use it.
#[derive(Clone)]
pub struct Security {
    /// `/V`.
    pub version: i64,
    /// `/R`.
    pub revision: i64,
    /// Key length in bytes.
    pub key_len: usize,
    /// How streams are encrypted.
    pub streams: CryptMethod,
    /// How strings are encrypted.
    pub strings: CryptMethod,
    /// `/P`: the permission bits (ISO 32000-2 Table 22).
    pub permissions: u32,
    /// `/EncryptMetadata`.
    pub encrypt_metadata: bool,
    /// Whether the password given is the owner password (every permission).
    pub owner: bool,
    /// The encryption dictionary's object, which is never encrypted.
    pub dict_ref: Option<ObjRef>,
    key: Vec<u8>,
}

impl std::fmt::Debug for Security {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Security")
            .field("version", &self.version)
            .field("revision", &self.revision)
            .field("streams", &self.streams)
            .field("strings", &self.strings)
            .field("permissions", &format_args!("{:#x}", self.permissions))
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

/// Permission bit 6 (value 32): add or modify annotations, fill in form fields.
pub const PERM_ANNOTATE: u32 = 1 << 5;
/// Permission bit 9 (value 256, revision ≥ 3): fill in existing form fields, signature
/// fields included, even when bit 6 is clear.
pub const PERM_FILL_FORMS: u32 = 1 << 8;
/// Permission bit 4 (value 8): modify the document otherwise.
pub const PERM_MODIFY: u32 = 1 << 3;

fn bad(reason: impl Into<String>) -> PdfError {
    PdfError::Unsupported(reason.into())
}

fn md5(parts: &[&[u8]]) -> Result<Vec<u8>, PdfError> {
    let mut h = openssl::hash::Hasher::new(MessageDigest::md5()).map_err(crypto_err)?;
    for p in parts {
        h.update(p).map_err(crypto_err)?;
    }
    Ok(h.finish().map_err(crypto_err)?.to_vec())
}

fn crypto_err(e: openssl::error::ErrorStack) -> PdfError {
    PdfError::Unsupported(format!("decryption failed: {e}"))
}

/// RC4 (symmetric): a few lines, so that kyso does not depend on OpenSSL's legacy provider.
pub(crate) fn rc4(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut s: [u8; 256] = [0; 256];
    for (i, v) in s.iter_mut().enumerate() {
        *v = i as u8;
    }
    if key.is_empty() {
        return data.to_vec();
    }
    let mut j: u8 = 0;
    for i in 0..256 {
        j = j
            .wrapping_add(s[i])
            .wrapping_add(key[i % key.len()]);
        s.swap(i, usize::from(j));
    }
    let (mut i, mut j) = (0u8, 0u8);
    data.iter()
        .map(|b| {
            i = i.wrapping_add(1);
            j = j.wrapping_add(s[usize::from(i)]);
            s.swap(usize::from(i), usize::from(j));
            let k = s[usize::from(s[usize::from(i)].wrapping_add(s[usize::from(j)]))];
            b ^ k
        })
        .collect()
}

fn aes_cbc(
    cipher: Cipher,
    mode: Mode,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
    padding: bool,
) -> Result<Vec<u8>, PdfError> {
    let mut c = Crypter::new(cipher, mode, key, Some(iv)).map_err(crypto_err)?;
    c.pad(padding);
    let mut out = vec![0u8; data.len() + cipher.block_size()];
    let mut n = c.update(data, &mut out).map_err(crypto_err)?;
    n += c.finalize(&mut out[n..]).map_err(crypto_err)?;
    out.truncate(n);
    Ok(out)
}

fn bytes_of(d: &Dict, key: &[u8]) -> Option<Vec<u8>> {
    match d.get(key) {
        Some(Object::String(s)) => Some(s.bytes.clone()),
        _ => None,
    }
}

fn padded(pw: &[u8]) -> [u8; 32] {
    let mut out = PAD;
    let n = pw.len().min(32);
    out[..n].copy_from_slice(&pw[..n]);
    out[n..].copy_from_slice(&PAD[..32 - n]);
    out
}

/// The crypt filter method a name in `/StmF` or `/StrF` stands for.
fn method_of(cf: Option<&Dict>, name: Option<&[u8]>) -> Result<CryptMethod, PdfError> {
    let Some(name) = name else {
        return Ok(CryptMethod::Identity);
    };
    if name == b"Identity" {
        return Ok(CryptMethod::Identity);
    }
    let f = cf
        .and_then(|cf| cf.get(name))
        .and_then(Object::as_dict)
        .ok_or_else(|| bad(format!("crypt filter /{} is not defined", String::from_utf8_lossy(name))))?;
    match f.get_name(b"CFM") {
        None | Some(b"None") => Ok(CryptMethod::Identity),
        Some(b"V2") => Ok(CryptMethod::Rc4),
        Some(b"AESV2") => Ok(CryptMethod::Aes128),
        Some(b"AESV3") => Ok(CryptMethod::Aes256),
        Some(other) => Err(bad(format!(
            "crypt filter method /{}",
            String::from_utf8_lossy(other)
        ))),
    }
}

impl Security {
    /// Opens the handler of encryption dictionary `enc` (the trailer's `/Encrypt`, resolved)
    /// with `password` (tried as the user password, then as the owner password). `id0` is the
    /// first element of the trailer's `/ID`.
    ///
    /// # Errors
    /// [`PdfError::Unsupported`] for another security handler or an unknown method;
    /// [`PdfError::PasswordRequired`] when the password opens neither.
    pub fn open(
        enc: &Dict,
        dict_ref: Option<ObjRef>,
        id0: &[u8],
        password: &[u8],
    ) -> Result<Security, PdfError> {
        match enc.get_name(b"Filter") {
            Some(b"Standard") => {}
            Some(other) => {
                return Err(bad(format!(
                    "the /{} security handler (kyso reads password-encrypted documents only)",
                    String::from_utf8_lossy(other)
                )))
            }
            None => return Err(bad("an encryption dictionary without /Filter")),
        }
        let v = enc.get_int(b"V").unwrap_or(0);
        let r = enc.get_int(b"R").unwrap_or(0);
        let o = bytes_of(enc, b"O").ok_or_else(|| bad("an encryption dictionary without /O"))?;
        let u = bytes_of(enc, b"U").ok_or_else(|| bad("an encryption dictionary without /U"))?;
        let p = enc
            .get_int(b"P")
            .ok_or_else(|| bad("an encryption dictionary without /P"))?;
        // /P is a signed 32-bit integer; some writers store it unsigned.
        let permissions = (p as i128).rem_euclid(1 << 32) as u32;
        let encrypt_metadata = !matches!(enc.get(b"EncryptMetadata"), Some(Object::Bool(false)));
        let cf = enc.get(b"CF").and_then(Object::as_dict);
        let (streams, strings, key_len) = match v {
            1 => (CryptMethod::Rc4, CryptMethod::Rc4, 5),
            2 | 3 => {
                let bits = enc.get_int(b"Length").unwrap_or(40);
                if !(40..=128).contains(&bits) || bits % 8 != 0 {
                    return Err(bad(format!("an RC4 key of {bits} bits")));
                }
                (CryptMethod::Rc4, CryptMethod::Rc4, (bits / 8) as usize)
            }
            4 | 5 => {
                let s = method_of(cf, enc.get_name(b"StmF"))?;
                let t = method_of(cf, enc.get_name(b"StrF"))?;
                let len = if v == 5 { 32 } else {
                    // The length of the crypt filter (in bytes or bits), else /Length, else 16.
                    let l = enc.get_int(b"Length").unwrap_or(128);
                    let l = if l > 32 { l / 8 } else { l };
                    usize::try_from(l).ok().filter(|l| (5..=16).contains(l)).unwrap_or(16)
                };
                (s, t, len)
            }
            _ => return Err(bad(format!("encryption version /V {v}"))),
        };
        let mut sec = Security {
            version: v,
            revision: r,
            key_len,
            streams,
            strings,
            permissions,
            encrypt_metadata,
            owner: false,
            dict_ref,
            key: Vec::new(),
        };
        match r {
            2..=4 => {
                if o.len() < 32 || u.len() < 32 {
                    return Err(bad("/O or /U shorter than 32 bytes"));
                }
                if let Some(k) = sec.user_key_r4(password, &o, &u, id0)? {
                    sec.key = k;
                    return Ok(sec);
                }
                // The owner password: it decrypts /O into the user password.
                let user = sec.owner_to_user_r4(password, &o)?;
                if let Some(k) = sec.user_key_r4(&user, &o, &u, id0)? {
                    sec.key = k;
                    sec.owner = true;
                    return Ok(sec);
                }
                Err(PdfError::PasswordRequired)
            }
            5 | 6 => {
                if o.len() < 48 || u.len() < 48 {
                    return Err(bad("/O or /U shorter than 48 bytes"));
                }
                let oe = bytes_of(enc, b"OE").ok_or_else(|| bad("no /OE"))?;
                let ue = bytes_of(enc, b"UE").ok_or_else(|| bad("no /UE"))?;
                if oe.len() < 32 || ue.len() < 32 {
                    return Err(bad("/OE or /UE shorter than 32 bytes"));
                }
                let pw = &password[..password.len().min(127)];
                if sec.hash_r6(pw, &u[32..40], &[])? == u[..32] {
                    let ik = sec.hash_r6(pw, &u[40..48], &[])?;
                    sec.key = aes_cbc(Cipher::aes_256_cbc(), Mode::Decrypt, &ik, &[0; 16], &ue[..32], false)?;
                    return Ok(sec);
                }
                if sec.hash_r6(pw, &o[32..40], &u[..48])? == o[..32] {
                    let ik = sec.hash_r6(pw, &o[40..48], &u[..48])?;
                    sec.key = aes_cbc(Cipher::aes_256_cbc(), Mode::Decrypt, &ik, &[0; 16], &oe[..32], false)?;
                    sec.owner = true;
                    return Ok(sec);
                }
                Err(PdfError::PasswordRequired)
            }
            _ => Err(bad(format!("Standard security handler revision /R {r}"))),
        }
    }

    /// Algorithms 2 and 6: the file key if `password` is the user password.
    fn user_key_r4(
        &self,
        password: &[u8],
        o: &[u8],
        u: &[u8],
        id0: &[u8],
    ) -> Result<Option<Vec<u8>>, PdfError> {
        let r = self.revision;
        let n = if r == 2 { 5 } else { self.key_len };
        let p = self.permissions.to_le_bytes();
        let pw = padded(password);
        let no_meta: &[u8] = if r >= 4 && !self.encrypt_metadata {
            &[0xff; 4]
        } else {
            &[]
        };
        let mut k = md5(&[&pw, &o[..32], &p, id0, no_meta])?;
        if r >= 3 {
            for _ in 0..50 {
                k = md5(&[&k[..n]])?;
            }
        }
        k.truncate(n);
        let ok = if r == 2 {
            rc4(&k, &PAD) == u[..32]
        } else {
            let mut x = rc4(&k, &md5(&[&PAD, id0])?);
            for i in 1..=19u8 {
                let ki: Vec<u8> = k.iter().map(|b| b ^ i).collect();
                x = rc4(&ki, &x);
            }
            x[..16] == u[..16]
        };
        Ok(ok.then_some(k))
    }

    /// Algorithm 7: the user password that the owner password `password` unlocks.
    fn owner_to_user_r4(&self, password: &[u8], o: &[u8]) -> Result<Vec<u8>, PdfError> {
        let r = self.revision;
        let n = if r == 2 { 5 } else { self.key_len };
        let mut k = md5(&[&padded(password)])?;
        if r >= 3 {
            for _ in 0..50 {
                k = md5(&[&k])?;
            }
        }
        k.truncate(n);
        if r == 2 {
            return Ok(rc4(&k, &o[..32]));
        }
        let mut x = o[..32].to_vec();
        for i in (0..=19u8).rev() {
            let ki: Vec<u8> = k.iter().map(|b| b ^ i).collect();
            x = rc4(&ki, &x);
        }
        Ok(x)
    }

    /// Algorithm 2.B (revision 6) or plain SHA-256 (revision 5).
    fn hash_r6(&self, pw: &[u8], salt: &[u8], udata: &[u8]) -> Result<Vec<u8>, PdfError> {
        let mut k = hash(MessageDigest::sha256(), &[pw, salt, udata].concat())
            .map_err(crypto_err)?
            .to_vec();
        if self.revision == 5 {
            return Ok(k);
        }
        let mut i: u32 = 0;
        loop {
            let block: Vec<u8> = [pw, &k, udata].concat();
            let k1: Vec<u8> = block.repeat(64);
            let e = aes_cbc(Cipher::aes_128_cbc(), Mode::Encrypt, &k[..16], &k[16..32], &k1, false)?;
            let sum: u32 = e[..16].iter().map(|&b| u32::from(b)).sum();
            let md = match sum % 3 {
                0 => MessageDigest::sha256(),
                1 => MessageDigest::sha384(),
                _ => MessageDigest::sha512(),
            };
            k = hash(md, &e).map_err(crypto_err)?.to_vec();
            i += 1;
            let last = u32::from(e.last().copied().unwrap_or(0));
            if i >= 64 && last + 32 <= i {
                break;
            }
            if i > 10_000 {
                return Err(bad("the revision 6 key derivation does not end"));
            }
        }
        k.truncate(32);
        Ok(k)
    }

    /// Algorithm 1: the key of object `id` for `method`.
    fn object_key(&self, id: ObjRef, method: CryptMethod) -> Result<Vec<u8>, PdfError> {
        if method == CryptMethod::Aes256 {
            return Ok(self.key.clone());
        }
        let num = id.num.to_le_bytes();
        let gen = id.gen.to_le_bytes();
        let salt: &[u8] = if method == CryptMethod::Aes128 { b"sAlT" } else { &[] };
        let mut k = md5(&[&self.key, &num[..3], &gen[..2], salt])?;
        k.truncate((self.key_len + 5).min(16));
        Ok(k)
    }

    fn decrypt(&self, id: ObjRef, method: CryptMethod, data: &[u8]) -> Result<Vec<u8>, PdfError> {
        match method {
            CryptMethod::Identity => Ok(data.to_vec()),
            CryptMethod::Rc4 => Ok(rc4(&self.object_key(id, method)?, data)),
            CryptMethod::Aes128 | CryptMethod::Aes256 => {
                if data.is_empty() {
                    return Ok(Vec::new());
                }
                if data.len() < 16 {
                    return Err(PdfError::Malformed {
                        offset: 0,
                        reason: format!("AES-encrypted data of {id} shorter than its IV"),
                    });
                }
                let cipher = if method == CryptMethod::Aes128 {
                    Cipher::aes_128_cbc()
                } else {
                    Cipher::aes_256_cbc()
                };
                let key = self.object_key(id, method)?;
                let (iv, body) = data.split_at(16);
                aes_cbc(cipher, Mode::Decrypt, &key, iv, body, true).or_else(|_| {
                    // Some writers omit the padding of a whole number of blocks.
                    aes_cbc(cipher, Mode::Decrypt, &key, iv, body, false)
                })
            }
        }
    }

    fn encrypt(&self, id: ObjRef, method: CryptMethod, data: &[u8]) -> Result<Vec<u8>, PdfError> {
        match method {
            CryptMethod::Identity => Ok(data.to_vec()),
            CryptMethod::Rc4 => Ok(rc4(&self.object_key(id, method)?, data)),
            CryptMethod::Aes128 | CryptMethod::Aes256 => {
                let cipher = if method == CryptMethod::Aes128 {
                    Cipher::aes_128_cbc()
                } else {
                    Cipher::aes_256_cbc()
                };
                let mut iv = [0u8; 16];
                openssl::rand::rand_bytes(&mut iv).map_err(crypto_err)?;
                let key = self.object_key(id, method)?;
                let body = aes_cbc(cipher, Mode::Encrypt, &key, &iv, data, true)?;
                Ok([&iv[..], &body].concat())
            }
        }
    }

    /// Decrypts a string of object `id`.
    ///
    /// # Errors
    /// Malformed AES data.
    pub fn decrypt_string(&self, id: ObjRef, data: &[u8]) -> Result<Vec<u8>, PdfError> {
        self.decrypt(id, self.strings, data)
    }

    /// Decrypts the data of stream object `id`.
    ///
    /// # Errors
    /// Malformed AES data.
    pub fn decrypt_stream(&self, id: ObjRef, data: &[u8]) -> Result<Vec<u8>, PdfError> {
        self.decrypt(id, self.streams, data)
    }

    /// Encrypts a string of object `id` (for an update).
    ///
    /// # Errors
    /// OpenSSL failures.
    pub fn encrypt_string(&self, id: ObjRef, data: &[u8]) -> Result<Vec<u8>, PdfError> {
        self.encrypt(id, self.strings, data)
    }

    /// Encrypts the data of stream object `id` (for an update).
    ///
    /// # Errors
    /// OpenSSL failures.
    pub fn encrypt_stream(&self, id: ObjRef, data: &[u8]) -> Result<Vec<u8>, PdfError> {
        self.encrypt(id, self.streams, data)
    }

    /// Whether a stream with this dictionary is exempt from encryption: cross-reference
    /// streams, XMP metadata when `/EncryptMetadata` is false, streams whose own `/Crypt`
    /// filter is `/Identity`.
    pub fn stream_exempt(&self, dict: &Dict) -> bool {
        match dict.get_name(b"Type") {
            Some(b"XRef") => return true,
            Some(b"Metadata") if !self.encrypt_metadata => return true,
            _ => {}
        }
        let first_filter = match dict.get(b"Filter") {
            Some(Object::Name(n)) => Some(n.as_slice()),
            Some(Object::Array(a)) => a.first().and_then(|f| match f {
                Object::Name(n) => Some(n.as_slice()),
                _ => None,
            }),
            _ => None,
        };
        first_filter == Some(b"Crypt")
    }

    /// A description for reports: `AES-256 (R6)`.
    pub fn describe(&self) -> String {
        let bits = match self.streams {
            CryptMethod::Rc4 => format!("RC4 {}-bit", self.key_len * 8),
            m => m.name().to_string(),
        };
        format!("{bits}, revision {}", self.revision)
    }

    /// Whether the document's permissions let a user sign (Acrobat's reading of
    /// ISO 32000-2 Table 22: bit 6 "annotations and forms", or from revision 3 bit 9 "fill in
    /// form fields, signature fields included"). The owner may always.
    pub fn may_sign(&self) -> bool {
        self.owner
            || self.permissions & PERM_ANNOTATE != 0
            || (self.revision >= 3 && self.permissions & PERM_FILL_FORMS != 0)
    }

    /// Decrypts every string of object `id` in place (a signature dictionary's `/Contents`
    /// excepted).
    ///
    /// # Errors
    /// Malformed AES data.
    pub fn decrypt_object(&self, id: ObjRef, obj: &mut Object) -> Result<(), PdfError> {
        self.walk(id, obj, 0, &|sec, id, b| sec.decrypt_string(id, b))
    }

    /// Encrypts every string of object `id` in place (a signature dictionary's `/Contents`
    /// excepted), for an update.
    ///
    /// # Errors
    /// OpenSSL failures.
    pub fn encrypt_object(&self, id: ObjRef, obj: &mut Object) -> Result<(), PdfError> {
        self.walk(id, obj, 0, &|sec, id, b| sec.encrypt_string(id, b))
    }

    fn walk(
        &self,
        id: ObjRef,
        obj: &mut Object,
        depth: usize,
        f: &StringOp,
    ) -> Result<(), PdfError> {
        if depth > 64 {
            return Err(PdfError::LimitExceeded("nesting depth"));
        }
        match obj {
            Object::String(s) => {
                s.bytes = f(self, id, &s.bytes)?;
            }
            Object::Array(items) => {
                for i in items {
                    self.walk(id, i, depth + 1, f)?;
                }
            }
            Object::Dict(d) => self.walk_dict(id, d, depth, f)?,
            Object::Stream(s) => self.walk_dict(id, &mut s.dict, depth, f)?,
            _ => {}
        }
        Ok(())
    }

    fn walk_dict(
        &self,
        id: ObjRef,
        d: &mut Dict,
        depth: usize,
        f: &StringOp,
    ) -> Result<(), PdfError> {
        // A signature dictionary's /Contents is never encrypted (§7.6.2): it is recognised by
        // its type or by a /ByteRange next to /Contents.
        let is_sig = matches!(d.get_name(b"Type"), Some(b"Sig" | b"DocTimeStamp"))
            || (d.get(b"ByteRange").is_some() && d.get(b"Contents").is_some());
        for (k, v) in d.iter_mut() {
            if is_sig && k == b"Contents" {
                continue;
            }
            self.walk(id, v, depth + 1, f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rc4_matches_the_published_test_vectors() {
        // RFC 6229 is for keystreams; the classic vectors: Key / Plaintext / Ciphertext.
        assert_eq!(rc4(b"Key", b"Plaintext"), hex("BBF316E8D940AF0AD3"));
        assert_eq!(rc4(b"Wiki", b"pedia"), hex("1021BF0420"));
        assert_eq!(rc4(b"Secret", b"Attack at dawn"), hex("45A01F645FC35B383552544B9BF5"));
        assert_eq!(rc4(b"k", &rc4(b"k", b"round trip")), b"round trip");
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn padding_of_passwords() {
        assert_eq!(padded(b""), PAD);
        let p = padded(b"abc");
        assert_eq!(&p[..3], b"abc");
        assert_eq!(&p[3..], &PAD[..29]);
        assert_eq!(padded(&[7u8; 40]), [7u8; 32]);
    }
}
