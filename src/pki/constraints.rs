//! Name constraints (RFC 5280 §4.2.1.10, §6.1.3 (b)–(c), §6.1.4 (g)).
//!
//! A CA's `nameConstraints` restrict the names of every certificate below it in a path:
//! each name of a constrained form must lie inside one of the permitted subtrees of that
//! form (when the CA permits any of that form) and inside none of the excluded subtrees.
//! Applying every CA's constraints to every certificate below it is the same as RFC 5280's
//! intersection of permitted subtrees and union of excluded ones. They are applied whatever
//! the extension's criticality. Name forms kyso cannot compare (otherName, x400Address,
//! ediPartyName, registeredID) fail closed: a certificate holding a name of a form that a
//! CA constrains but kyso cannot compare does not chain.

use x509_parser::extensions::GeneralName;
use x509_parser::x509::X509Name;

/// OID of the legacy `emailAddress` attribute of a subject DN (PKCS #9), which RFC 5280
/// §4.2.1.10 requires to be checked against rfc822Name constraints.
const EMAIL_ADDRESS: &str = "1.2.840.113549.1.9.1";

/// A distinguished name as relative names, each a sorted list of (type OID, normalised
/// value): values compare case-insensitively with white space folded (RFC 5280 §7.1, a
/// simplified RFC 4518).
pub(crate) type Rdns = Vec<Vec<(String, String)>>;

/// One name, of a form name constraints apply to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Name {
    /// directoryName.
    Directory(Rdns),
    /// rfc822Name (a mailbox, or in a constraint a host or domain).
    Email(String),
    /// dNSName.
    Dns(String),
    /// uniformResourceIdentifier (in a constraint a host or domain).
    Uri(String),
    /// iPAddress: the address (4 or 16 bytes); in a constraint, address then mask.
    Ip(Vec<u8>),
    /// A form kyso does not compare, by its tag name.
    Other(&'static str),
}

impl Name {
    fn form(&self) -> &'static str {
        match self {
            Name::Directory(_) => "directoryName",
            Name::Email(_) => "rfc822Name",
            Name::Dns(_) => "dNSName",
            Name::Uri(_) => "uniformResourceIdentifier",
            Name::Ip(_) => "iPAddress",
            Name::Other(f) => f,
        }
    }

    fn describe(&self) -> String {
        match self {
            Name::Directory(r) => r
                .iter()
                .map(|rdn| {
                    rdn.iter()
                        .map(|(t, v)| format!("{t}={v}"))
                        .collect::<Vec<_>>()
                        .join("+")
                })
                .collect::<Vec<_>>()
                .join(", "),
            Name::Email(s) | Name::Dns(s) | Name::Uri(s) => s.clone(),
            Name::Ip(b) => b
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join("."),
            Name::Other(f) => (*f).to_string(),
        }
    }
}

/// A CA's name constraints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NameConstraints {
    /// permittedSubtrees (their bases).
    pub permitted: Vec<Name>,
    /// excludedSubtrees (their bases).
    pub excluded: Vec<Name>,
}

/// Normalises a directory string for comparison.
fn fold(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The relative names of `name`, normalised.
pub(crate) fn rdns(name: &X509Name<'_>) -> Rdns {
    name.iter()
        .map(|rdn| {
            let mut v: Vec<(String, String)> = rdn
                .iter()
                .map(|a| {
                    let value = match a.as_str() {
                        Ok(s) => fold(s),
                        // Other string types (BMPString…) compare by their bytes.
                        Err(_) => format!("#{}", hex(a.attr_value().data)),
                    };
                    (a.attr_type().to_id_string(), value)
                })
                .collect();
            v.sort();
            v
        })
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The e-mail addresses of a subject DN (`emailAddress` attributes).
pub(crate) fn dn_emails(name: &X509Name<'_>) -> Vec<String> {
    name.iter_attributes()
        .filter(|a| a.attr_type().to_id_string() == EMAIL_ADDRESS)
        .filter_map(|a| a.as_str().ok())
        .map(str::to_string)
        .collect()
}

/// A general name as a [`Name`].
pub(crate) fn from_general_name(g: &GeneralName<'_>) -> Name {
    match g {
        GeneralName::DirectoryName(n) => Name::Directory(rdns(n)),
        GeneralName::RFC822Name(s) => Name::Email((*s).to_string()),
        GeneralName::DNSName(s) => Name::Dns((*s).to_string()),
        GeneralName::URI(s) => Name::Uri((*s).to_string()),
        GeneralName::IPAddress(b) => Name::Ip(b.to_vec()),
        GeneralName::OtherName(..) => Name::Other("otherName"),
        GeneralName::X400Address(_) => Name::Other("x400Address"),
        GeneralName::EDIPartyName(_) => Name::Other("ediPartyName"),
        GeneralName::RegisteredID(_) => Name::Other("registeredID"),
        #[allow(unreachable_patterns)]
        _ => Name::Other("unknown name form"),
    }
}

/// Whether DNS name `name` is within the subtree `base` (RFC 5280: zero or more labels added
/// on the left; a base starting with a dot means strictly below it; an empty base matches
/// everything).
fn dns_within(name: &str, base: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let base = base.trim_end_matches('.').to_ascii_lowercase();
    if base.is_empty() {
        return true;
    }
    if let Some(stripped) = base.strip_prefix('.') {
        return name.ends_with(&format!(".{stripped}"));
    }
    name == base || name.ends_with(&format!(".{base}"))
}

/// Whether host `host` is within the host/domain constraint `base` of rfc822Name and URI
/// constraints: a leading dot means any host below that domain; otherwise that host only.
fn host_within(host: &str, base: &str) -> bool {
    let host = host.to_ascii_lowercase();
    let base = base.to_ascii_lowercase();
    if base.is_empty() {
        return true;
    }
    match base.strip_prefix('.') {
        Some(d) => host.ends_with(&format!(".{d}")),
        None => host == base,
    }
}

fn email_within(mailbox: &str, base: &str) -> bool {
    if base.contains('@') {
        // A particular mailbox: the local part is case-sensitive, the host is not.
        return match (mailbox.rsplit_once('@'), base.rsplit_once('@')) {
            (Some((ml, mh)), Some((bl, bh))) => ml == bl && mh.eq_ignore_ascii_case(bh),
            _ => false,
        };
    }
    let host = mailbox.rsplit_once('@').map_or(mailbox, |(_, h)| h);
    host_within(host, base)
}

/// The host of a URI (`scheme://[userinfo@]host[:port]/…`); `None` when it has no
/// authority (RFC 5280: such a URI does not satisfy a constraint).
fn uri_host(uri: &str) -> Option<&str> {
    let (_, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = hostport.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        hostport.split(':').next().unwrap_or("")
    };
    (!host.is_empty()).then_some(host)
}

fn ip_within(addr: &[u8], base: &[u8]) -> bool {
    let n = addr.len();
    if base.len() != 2 * n {
        return false;
    }
    let (net, mask) = base.split_at(n);
    addr.iter()
        .zip(net.iter().zip(mask))
        .all(|(a, (b, m))| a & m == b & m)
}

fn directory_within(name: &Rdns, base: &Rdns) -> bool {
    base.len() <= name.len() && name.iter().zip(base).all(|(a, b)| a == b)
}

/// Whether `name` lies within subtree `base`; `None` when the forms differ.
fn within(name: &Name, base: &Name) -> Option<bool> {
    Some(match (name, base) {
        (Name::Directory(n), Name::Directory(b)) => directory_within(n, b),
        (Name::Email(n), Name::Email(b)) => email_within(n, b),
        (Name::Dns(n), Name::Dns(b)) => dns_within(n, b),
        (Name::Uri(n), Name::Uri(b)) => uri_host(n).is_some_and(|h| host_within(h, b)),
        (Name::Ip(n), Name::Ip(b)) => ip_within(n, b),
        (Name::Other(a), Name::Other(b)) if a == b => false,
        _ => return None,
    })
}

impl NameConstraints {
    /// Checks the names of one certificate (its subject as a directoryName when non-empty,
    /// its subject's e-mail addresses and its subjectAltNames); the reason if one is
    /// outside the permitted subtrees or inside an excluded one.
    pub(crate) fn check(&self, names: &[Name]) -> Result<(), String> {
        for name in names {
            for base in &self.excluded {
                match (name, base, within(name, base)) {
                    (_, _, Some(true)) => {
                        return Err(format!(
                            "{} {} is inside an excluded subtree ({})",
                            name.form(),
                            name.describe(),
                            base.describe()
                        ))
                    }
                    (Name::Other(_), Name::Other(_), Some(false)) => {
                        return Err(format!(
                            "a {} name is constrained but kyso cannot compare it",
                            name.form()
                        ))
                    }
                    _ => {}
                }
            }
            let of_form: Vec<&Name> = self
                .permitted
                .iter()
                .filter(|b| b.form() == name.form())
                .collect();
            if of_form.is_empty() {
                continue;
            }
            if !of_form.iter().any(|b| within(name, b) == Some(true)) {
                return Err(format!(
                    "{} {} is outside the permitted subtrees ({})",
                    name.form(),
                    name.describe(),
                    of_form
                        .iter()
                        .map(|b| b.describe())
                        .collect::<Vec<_>>()
                        .join("; ")
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_email_uri_and_ip_subtrees() {
        assert!(dns_within("a.example.com", "example.com"));
        assert!(dns_within("example.com", "example.com"));
        assert!(!dns_within("badexample.com", "example.com"));
        assert!(!dns_within("example.com", ".example.com"));
        assert!(dns_within("x.example.com", ".example.com"));
        assert!(email_within("an@Example.com", "example.com"));
        assert!(!email_within("an@sub.example.com", "example.com"));
        assert!(email_within("an@sub.example.com", ".example.com"));
        assert!(email_within("an@example.com", "an@EXAMPLE.com"));
        assert!(!email_within("An@example.com", "an@example.com"));
        assert_eq!(uri_host("https://u@Host.example.vn:8443/x"), Some("Host.example.vn"));
        assert_eq!(uri_host("urn:isbn:1"), None);
        assert!(ip_within(&[10, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]));
        assert!(!ip_within(&[11, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]));
        assert!(!ip_within(&[10, 1, 2, 3], &[0; 32]));
    }

    #[test]
    fn permitted_and_excluded() {
        let dn = |v: &[(&str, &str)]| {
            Name::Directory(
                v.iter()
                    .map(|(t, x)| vec![(t.to_string(), fold(x))])
                    .collect(),
            )
        };
        let nc = NameConstraints {
            permitted: vec![dn(&[("2.5.4.6", "VN"), ("2.5.4.10", "Bộ Tài chính")])],
            excluded: vec![Name::Dns("evil.vn".into())],
        };
        assert!(nc
            .check(&[dn(&[("2.5.4.6", "vn"), ("2.5.4.10", "BỘ TÀI  CHÍNH"), ("2.5.4.3", "A")])])
            .is_ok());
        assert!(nc.check(&[dn(&[("2.5.4.6", "VN"), ("2.5.4.10", "Other")])]).is_err());
        assert!(nc.check(&[Name::Dns("x.evil.vn".into())]).is_err());
        assert!(nc.check(&[Name::Dns("good.vn".into())]).is_ok());
        let other = NameConstraints {
            permitted: Vec::new(),
            excluded: vec![Name::Other("otherName")],
        };
        assert!(other.check(&[Name::Other("otherName")]).is_err());
        assert!(other.check(&[Name::Dns("a.vn".into())]).is_ok());
    }
}
