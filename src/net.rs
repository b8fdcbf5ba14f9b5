//! A minimal blocking HTTP/1.1 client for the three services long-term validation talks to:
//! time-stamp authorities (RFC 3161 over HTTP), OCSP responders (RFC 6960 over HTTP) and CRL
//! distribution points, and for remote signing services (the CSC API, HTTPS with a bearer
//! token). The first three are plain `http://` by design (their responses are signed);
//! `https://` goes through OpenSSL with certificate and host name verification against the
//! system's CA bundle (plus any roots the caller adds). Every request has a connect timeout,
//! a read timeout, an overall deadline and a response size limit.
//!
//! Everything a server sends is untrusted input: status lines, headers, chunk sizes and
//! bodies are parsed with bounds and never panic.
//!
//! [`HttpTransport`] is the seam for callers that need something else (HTTPS, a proxy, a
//! recorded fixture): the TSA client and the online revocation source take any transport.

#[cfg(feature = "online")]
use std::io::{Read, Write};
#[cfg(feature = "online")]
use std::net::{TcpStream, ToSocketAddrs};
#[cfg(feature = "online")]
use std::time::{Duration, Instant};

#[cfg(feature = "online")]
use openssl::ssl::{HandshakeError, SslConnector, SslMethod, SslOptions, SslStream, SslVersion};

#[cfg(feature = "online")]
/// Largest response header block accepted.
const MAX_HEADER: usize = 16 << 10;
#[cfg(feature = "online")]
/// Redirects followed for GET requests (CRL distribution points sometimes redirect).
const MAX_REDIRECTS: usize = 3;

/// Errors of an HTTP exchange.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetError {
    /// The URL is not an `http://host[:port]/path` URL.
    #[error("invalid URL {0:?}")]
    Url(String),
    /// A scheme this client does not speak (e.g. `https`, `ldap`).
    #[error("unsupported URL scheme in {0:?} (only http:// is supported)")]
    UnsupportedScheme(String),
    /// Connecting, sending or receiving failed.
    #[error("{url}: {source}")]
    Io {
        /// The URL.
        url: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The server did not answer in time.
    #[error("{0}: timed out")]
    Timeout(String),
    /// The response was larger than the limit.
    #[error("{url}: response larger than {limit} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        limit: usize,
    },
    /// The response is not well-formed HTTP/1.x.
    #[error("{url}: malformed HTTP response: {reason}")]
    Malformed {
        /// The URL.
        url: String,
        /// What was wrong.
        reason: &'static str,
    },
    /// The server answered with a status other than 200.
    #[error("{url}: HTTP status {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The TLS connection could not be established (untrusted or mismatched server
    /// certificate, no common protocol...).
    #[error("{url}: TLS: {reason}")]
    Tls {
        /// The URL.
        url: String,
        /// What OpenSSL reported.
        reason: String,
    },
    /// A request header name or value is not allowed (control characters, empty name).
    #[error("invalid request header {0:?}")]
    InvalidHeader(String),
    /// The transport cannot send request headers (a custom [`HttpTransport`] that does not
    /// implement [`HttpTransport::post_with_headers`]).
    #[error("{0}: this HTTP transport cannot send request headers (implement HttpTransport::post_with_headers)")]
    HeadersUnsupported(String),
}

/// An HTTP response with status 200.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The `Content-Type` header, lower-cased, without parameters.
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// An HTTP response of any status, as [`HttpTransport::post_with_headers`] returns it (an
/// API's error responses carry a body worth reading).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpReply {
    /// The status code.
    pub status: u16,
    /// The `Content-Type` header, lower-cased, without parameters.
    pub content_type: Option<String>,
    /// The body (bounded by the transport's size limit).
    pub body: Vec<u8>,
}

impl HttpReply {
    /// A reply with this status, content type and body.
    pub fn new(status: u16, content_type: Option<String>, body: Vec<u8>) -> Self {
        HttpReply {
            status,
            content_type,
            body,
        }
    }
}

/// Something that performs HTTP requests. `HttpClient` is the built-in implementation.
pub trait HttpTransport: Send + Sync + std::fmt::Debug {
    /// `POST`s `body` with `content_type` to `url`; the response must be 200.
    ///
    /// # Errors
    /// See [`NetError`].
    fn post(&self, url: &str, content_type: &str, body: &[u8]) -> Result<Response, NetError>;
    /// `GET`s `url` (following a few redirects); the response must be 200.
    ///
    /// # Errors
    /// See [`NetError`].
    fn get(&self, url: &str) -> Result<Response, NetError>;
    /// `POST`s `body` with `content_type` and the extra request `headers` (e.g.
    /// `Authorization: Bearer …`) to `url`, and returns the reply whatever its status
    /// (redirects are not followed). The remote signing client (CSC API) needs it.
    ///
    /// The provided implementation sends requests without extra headers through
    /// [`HttpTransport::post`] and refuses the others with [`NetError::HeadersUnsupported`]:
    /// transports written before this method existed keep working for everything else.
    ///
    /// # Errors
    /// See [`NetError`]; a status other than 2xx is not an error here.
    fn post_with_headers(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        content_type: &str,
        body: &[u8],
    ) -> Result<HttpReply, NetError> {
        if !headers.is_empty() {
            return Err(NetError::HeadersUnsupported(url.to_string()));
        }
        match self.post(url, content_type, body) {
            Ok(r) => Ok(HttpReply::new(200, r.content_type, r.body)),
            Err(NetError::Status { status, .. }) => Ok(HttpReply::new(status, None, Vec::new())),
            Err(e) => Err(e),
        }
    }
}

#[cfg(feature = "online")]
/// The built-in blocking HTTP/1.1 client (`http://`, and `https://` through OpenSSL).
#[derive(Debug, Clone)]
pub(crate) struct HttpClient {
    /// Timeout for establishing the TCP connection.
    pub connect_timeout: Duration,
    /// Timeout for each read and write.
    pub io_timeout: Duration,
    /// Deadline for the whole exchange.
    pub total_timeout: Duration,
    /// Largest response body accepted.
    pub max_response: usize,
    /// Trust anchors for `https://` servers besides the system's CA bundle (DER).
    pub tls_roots: Vec<Vec<u8>>,
}

#[cfg(feature = "online")]
impl Default for HttpClient {
    /// 5 s to connect, 10 s per read, 30 s in all, 10 MiB responses (CRLs of large CAs reach
    /// a few MiB).
    fn default() -> Self {
        HttpClient {
            connect_timeout: Duration::from_secs(5),
            io_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
            max_response: 10 << 20,
            tls_roots: Vec::new(),
        }
    }
}

/// A parsed `http://` or `https://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpUrl {
    /// `https://`.
    pub tls: bool,
    /// Host name or IP literal (IPv6 without brackets).
    pub host: String,
    /// Port (80, or 443 for `https://`, by default).
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl HttpUrl {
    /// Parses `http://host[:port][/path][?query]` (a fragment is dropped): the plain-HTTP
    /// services (caIssuers, OCSP, CRLs) are checked with this.
    ///
    /// # Errors
    /// `Url` for malformed URLs, `UnsupportedScheme` for other schemes.
    pub(crate) fn parse(url: &str) -> Result<Self, NetError> {
        let u = Self::parse_web(url)?;
        if u.tls {
            return Err(NetError::UnsupportedScheme(url.to_string()));
        }
        Ok(u)
    }

    /// Parses an `http://` or `https://` URL.
    ///
    /// # Errors
    /// `Url` for malformed URLs, `UnsupportedScheme` for other schemes.
    pub(crate) fn parse_web(url: &str) -> Result<Self, NetError> {
        let bad = || NetError::Url(url.to_string());
        let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
        let tls = if scheme.eq_ignore_ascii_case("http") {
            false
        } else if scheme.eq_ignore_ascii_case("https") {
            true
        } else {
            return Err(NetError::UnsupportedScheme(url.to_string()));
        };
        let default_port = if tls { 443 } else { 80 };
        let rest = rest.split('#').next().unwrap_or("");
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let path = if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_string()
        };
        if authority.contains('@') || path.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(bad());
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(bad)?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| bad())?,
                None if after.is_empty() => default_port,
                None => return Err(bad()),
            };
            (h.to_string(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), p.parse().map_err(|_| bad())?),
                None => (authority.to_string(), default_port),
            }
        };
        if host.is_empty()
            || !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-_:%".contains(&b))
        {
            return Err(bad());
        }
        Ok(HttpUrl {
            tls,
            host,
            port,
            path,
        })
    }

    #[cfg(feature = "online")]
    fn host_header(&self) -> String {
        let h = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == if self.tls { 443 } else { 80 } {
            h
        } else {
            format!("{h}:{}", self.port)
        }
    }
}

#[cfg(feature = "online")]
impl HttpTransport for HttpClient {
    fn post(&self, url: &str, content_type: &str, body: &[u8]) -> Result<Response, NetError> {
        match self.exchange(url, "POST", &[], Some((content_type, body)), false)? {
            Exchange::Done(r) => Ok(Response {
                content_type: r.content_type,
                body: r.body,
            }),
            Exchange::Redirect(_) => Err(NetError::Status {
                url: url.to_string(),
                status: 302,
            }),
        }
    }

    fn get(&self, url: &str) -> Result<Response, NetError> {
        let mut current = url.to_string();
        for _ in 0..=MAX_REDIRECTS {
            match self.exchange(&current, "GET", &[], None, false)? {
                Exchange::Done(r) => {
                    return Ok(Response {
                        content_type: r.content_type,
                        body: r.body,
                    })
                }
                Exchange::Redirect(next) => current = next,
            }
        }
        Err(NetError::Status {
            url: url.to_string(),
            status: 310,
        })
    }

    fn post_with_headers(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        content_type: &str,
        body: &[u8],
    ) -> Result<HttpReply, NetError> {
        match self.exchange(url, "POST", headers, Some((content_type, body)), true)? {
            Exchange::Done(r) => Ok(r),
            Exchange::Redirect(_) => Err(NetError::Malformed {
                url: url.to_string(),
                reason: "unexpected redirect",
            }),
        }
    }
}

#[cfg(feature = "online")]
enum Exchange {
    Done(HttpReply),
    Redirect(String),
}

#[cfg(feature = "online")]
/// A connection: plain TCP or TLS over TCP.
enum Conn {
    Plain(TcpStream),
    Tls(Box<SslStream<TcpStream>>),
}

#[cfg(feature = "online")]
impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

#[cfg(feature = "online")]
impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}

#[cfg(feature = "online")]
/// CA bundles of common systems, tried when `SSL_CERT_FILE` is not set (the vendored OpenSSL's
/// own default directory is usually empty).
const SYSTEM_CA_FILES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/ssl/cert.pem",
    "/usr/local/etc/openssl/cert.pem",
];

#[cfg(feature = "online")]
/// Checks that a request header cannot break the request (no CR, LF or other controls).
fn check_header(name: &str, value: &str) -> Result<(), NetError> {
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    let value_ok = value.bytes().all(|b| b == b'\t' || (b >= b' ' && b != 0x7f));
    if name_ok && value_ok {
        Ok(())
    } else {
        Err(NetError::InvalidHeader(name.to_string()))
    }
}

#[cfg(feature = "online")]
impl HttpClient {
    /// Opens a TLS session over `tcp`, verifying the server's certificate against the system
    /// bundle and [`HttpClient::tls_roots`], and its name against `host`.
    fn tls_connect(
        &self,
        url: &str,
        host: &str,
        tcp: TcpStream,
    ) -> Result<SslStream<TcpStream>, NetError> {
        let tls = |reason: String| NetError::Tls {
            url: url.to_string(),
            reason,
        };
        let mut b = SslConnector::builder(SslMethod::tls_client()).map_err(|e| tls(e.to_string()))?;
        b.set_min_proto_version(Some(SslVersion::TLS1_2))
            .map_err(|e| tls(e.to_string()))?;
        b.set_options(SslOptions::IGNORE_UNEXPECTED_EOF);
        if std::env::var_os("SSL_CERT_FILE").is_none() {
            if let Some(f) = SYSTEM_CA_FILES
                .iter()
                .find(|f| std::path::Path::new(f).is_file())
            {
                // A bundle that fails to load leaves the other roots in place.
                let _ = b.set_ca_file(f);
            }
        }
        for der in &self.tls_roots {
            let cert = openssl::x509::X509::from_der(der).map_err(|e| tls(e.to_string()))?;
            b.cert_store_mut()
                .add_cert(cert)
                .map_err(|e| tls(e.to_string()))?;
        }
        let connector = b.build();
        match connector.connect(host, tcp) {
            Ok(s) => Ok(s),
            Err(HandshakeError::WouldBlock(_)) => Err(NetError::Timeout(url.to_string())),
            Err(HandshakeError::SetupFailure(e)) => Err(tls(e.to_string())),
            Err(HandshakeError::Failure(m)) => {
                let verify = m.ssl().verify_result();
                let reason = if verify == openssl::x509::X509VerifyResult::OK {
                    m.error().to_string()
                } else {
                    format!("the server's certificate is not trusted: {}", verify.error_string())
                };
                Err(tls(reason))
            }
        }
    }

    /// One request. `any_status`: return every status with its body (no redirects);
    /// otherwise follow redirects for GET and turn other statuses than 200 into errors.
    fn exchange(
        &self,
        url: &str,
        method: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, &[u8])>,
        any_status: bool,
    ) -> Result<Exchange, NetError> {
        let u = HttpUrl::parse_web(url)?;
        for (n, v) in headers {
            check_header(n, v)?;
        }
        if let Some((ct, _)) = body {
            check_header("Content-Type", ct)?;
        }
        let deadline = Instant::now() + self.total_timeout;
        let io = |e: std::io::Error| {
            if matches!(
                e.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) {
                NetError::Timeout(url.to_string())
            } else {
                NetError::Io {
                    url: url.to_string(),
                    source: e,
                }
            }
        };
        let addrs: Vec<_> = (u.host.as_str(), u.port)
            .to_socket_addrs()
            .map_err(io)?
            .collect();
        let mut last_err = None;
        let mut stream = None;
        for a in addrs {
            match TcpStream::connect_timeout(&a, self.connect_timeout) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last_err = Some(e),
            }
        }
        let tcp = match stream {
            Some(s) => s,
            None => {
                return Err(io(last_err.unwrap_or_else(|| {
                    std::io::Error::other("the host name has no address")
                })))
            }
        };
        tcp.set_read_timeout(Some(self.io_timeout)).map_err(io)?;
        tcp.set_write_timeout(Some(self.io_timeout)).map_err(io)?;
        let _ = tcp.set_nodelay(true);
        let mut stream = if u.tls {
            Conn::Tls(Box::new(self.tls_connect(url, &u.host, tcp)?))
        } else {
            Conn::Plain(tcp)
        };

        let mut req = format!(
            "{method} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: kyso/{}\r\nAccept: */*\r\nConnection: close\r\n",
            u.path,
            u.host_header(),
            env!("CARGO_PKG_VERSION")
        );
        for (n, v) in headers {
            req.push_str(&format!("{n}: {v}\r\n"));
        }
        if let Some((ct, b)) = body {
            req.push_str(&format!(
                "Content-Type: {ct}\r\nContent-Length: {}\r\n",
                b.len()
            ));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        if let Some((_, b)) = body {
            bytes.extend_from_slice(b);
        }
        stream.write_all(&bytes).map_err(io)?;
        stream.flush().map_err(io)?;

        let mut reader = Bounded {
            inner: stream,
            deadline,
            buf: Vec::new(),
            pos: 0,
            eof: false,
        };
        let malformed = |reason| NetError::Malformed {
            url: url.to_string(),
            reason,
        };
        let head = reader.read_head().map_err(|e| e.into_net(url))?;
        let head = std::str::from_utf8(&head).map_err(|_| malformed("header is not text"))?;
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or("");
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or("");
        if !version.starts_with("HTTP/1.") {
            return Err(malformed("not an HTTP/1.x status line"));
        }
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| malformed("bad status code"))?;
        let mut content_length = None;
        let mut chunked = false;
        let mut content_type = None;
        let mut location = None;
        for line in lines.filter(|l| !l.is_empty()) {
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| malformed("header line without a colon"))?;
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => {
                    let n: u64 = value.parse().map_err(|_| malformed("bad Content-Length"))?;
                    if content_length.is_some_and(|c| c != n) {
                        return Err(malformed("conflicting Content-Length headers"));
                    }
                    content_length = Some(n);
                }
                "transfer-encoding" => {
                    chunked = value
                        .to_ascii_lowercase()
                        .split(',')
                        .any(|t| t.trim() == "chunked")
                }
                "content-type" => {
                    content_type = Some(
                        value
                            .split(';')
                            .next()
                            .unwrap_or("")
                            .trim()
                            .to_ascii_lowercase(),
                    );
                }
                "location" => location = Some(value.to_string()),
                _ => {}
            }
        }
        if !any_status && method == "GET" && matches!(status, 301 | 302 | 303 | 307 | 308) {
            let loc = location.ok_or_else(|| malformed("redirect without Location"))?;
            let next = if loc.starts_with('/') {
                let scheme = if u.tls { "https" } else { "http" };
                format!("{scheme}://{}{loc}", u.host_header())
            } else {
                loc
            };
            return Ok(Exchange::Redirect(next));
        }
        if any_status && (status < 200 || status == 204 || status == 304) {
            return Ok(Exchange::Done(HttpReply::new(status, content_type, Vec::new())));
        }
        if !any_status && status != 200 {
            return Err(NetError::Status {
                url: url.to_string(),
                status,
            });
        }
        let limit = self.max_response;
        let body = if chunked {
            reader.read_chunked(limit)
        } else if let Some(n) = content_length {
            let n = usize::try_from(n)
                .ok()
                .filter(|&n| n <= limit)
                .ok_or(NetError::TooLarge {
                    url: url.to_string(),
                    limit,
                })?;
            reader.read_exact_n(n)
        } else {
            reader.read_to_end(limit)
        }
        .map_err(|e| e.into_net(url))?;
        Ok(Exchange::Done(HttpReply::new(status, content_type, body)))
    }
}

#[cfg(feature = "online")]
/// Why reading the response failed (mapped to [`NetError`] with the URL).
enum ReadError {
    Io(std::io::Error),
    Timeout,
    TooLarge(usize),
    Malformed(&'static str),
}

#[cfg(feature = "online")]
impl ReadError {
    fn into_net(self, url: &str) -> NetError {
        match self {
            ReadError::Io(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                ) =>
            {
                NetError::Timeout(url.to_string())
            }
            ReadError::Io(source) => NetError::Io {
                url: url.to_string(),
                source,
            },
            ReadError::Timeout => NetError::Timeout(url.to_string()),
            ReadError::TooLarge(limit) => NetError::TooLarge {
                url: url.to_string(),
                limit,
            },
            ReadError::Malformed(reason) => NetError::Malformed {
                url: url.to_string(),
                reason,
            },
        }
    }
}

#[cfg(feature = "online")]
/// A buffered reader with an overall deadline.
struct Bounded {
    inner: Conn,
    deadline: Instant,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
}

#[cfg(feature = "online")]
impl Bounded {
    /// Reads more bytes into the buffer; `Ok(false)` at end of stream.
    fn fill(&mut self) -> Result<bool, ReadError> {
        if self.eof {
            return Ok(false);
        }
        if Instant::now() >= self.deadline {
            return Err(ReadError::Timeout);
        }
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
        let mut chunk = [0u8; 16 << 10];
        let n = loop {
            match self.inner.read(&mut chunk) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ReadError::Io(e)),
            }
        };
        if n == 0 {
            self.eof = true;
            return Ok(false);
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(true)
    }

    fn available(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// The status line and headers (without the blank line).
    fn read_head(&mut self) -> Result<Vec<u8>, ReadError> {
        loop {
            if let Some(i) = memchr::memmem::find(self.available(), b"\r\n\r\n") {
                let head = self.available()[..i].to_vec();
                self.pos += i + 4;
                return Ok(head);
            }
            if self.available().len() > MAX_HEADER {
                return Err(ReadError::Malformed("header block too large"));
            }
            if !self.fill()? {
                return Err(ReadError::Malformed(
                    "connection closed before the end of the headers",
                ));
            }
        }
    }

    fn read_exact_n(&mut self, n: usize) -> Result<Vec<u8>, ReadError> {
        while self.available().len() < n {
            if !self.fill()? {
                return Err(ReadError::Malformed(
                    "connection closed before the end of the body",
                ));
            }
        }
        let out = self.available()[..n].to_vec();
        self.pos += n;
        Ok(out)
    }

    fn read_to_end(&mut self, limit: usize) -> Result<Vec<u8>, ReadError> {
        while self.fill()? {
            if self.available().len() > limit {
                return Err(ReadError::TooLarge(limit));
            }
        }
        if self.available().len() > limit {
            return Err(ReadError::TooLarge(limit));
        }
        let out = self.available().to_vec();
        self.pos = self.buf.len();
        Ok(out)
    }

    fn read_line(&mut self) -> Result<Vec<u8>, ReadError> {
        loop {
            if let Some(i) = memchr::memmem::find(self.available(), b"\r\n") {
                let line = self.available()[..i].to_vec();
                self.pos += i + 2;
                return Ok(line);
            }
            if self.available().len() > 1024 {
                return Err(ReadError::Malformed("chunk header line too long"));
            }
            if !self.fill()? {
                return Err(ReadError::Malformed(
                    "connection closed inside a chunk header",
                ));
            }
        }
    }

    fn read_chunked(&mut self, limit: usize) -> Result<Vec<u8>, ReadError> {
        let mut out = Vec::new();
        loop {
            let line = self.read_line()?;
            let line = std::str::from_utf8(&line)
                .map_err(|_| ReadError::Malformed("chunk size is not text"))?;
            let size_text = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16)
                .map_err(|_| ReadError::Malformed("bad chunk size"))?;
            if size == 0 {
                // Trailer fields up to the blank line.
                loop {
                    if self.read_line()?.is_empty() {
                        return Ok(out);
                    }
                }
            }
            if out.len().saturating_add(size) > limit {
                return Err(ReadError::TooLarge(limit));
            }
            out.extend(self.read_exact_n(size)?);
            if !self.read_line()?.is_empty() {
                return Err(ReadError::Malformed("chunk not followed by CRLF"));
            }
        }
    }
}

#[cfg(test)]
#[cfg(feature = "online")]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// Serves one connection with a canned response and returns the request received.
    fn serve_once(response: Vec<u8>) -> (String, std::thread::JoinHandle<Vec<u8>>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}/x?y=1", l.local_addr().unwrap().port());
        let h = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut req = Vec::new();
            let mut b = [0u8; 4096];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = s.read(&mut b).unwrap();
                if n == 0 {
                    break;
                }
                req.extend_from_slice(&b[..n]);
            }
            let _ = s.write_all(&response);
            req
        });
        (url, h)
    }

    #[test]
    fn parses_urls() {
        let u = HttpUrl::parse("http://ocsp.ca.gov.vn").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("ocsp.ca.gov.vn", 80, "/")
        );
        let u = HttpUrl::parse("HTTP://127.0.0.1:8080/a/b.crl?x#frag").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("127.0.0.1", 8080, "/a/b.crl?x")
        );
        let u = HttpUrl::parse("http://[::1]:99?q").unwrap();
        assert_eq!(
            (
                u.host.as_str(),
                u.port,
                u.path.as_str(),
                u.host_header().as_str()
            ),
            ("::1", 99, "/?q", "[::1]:99")
        );
        assert!(matches!(
            HttpUrl::parse("https://x/"),
            Err(NetError::UnsupportedScheme(_))
        ));
        let u = HttpUrl::parse_web("https://csc.example.vn/csc/v2").unwrap();
        assert_eq!(
            (u.tls, u.port, u.host_header().as_str()),
            (true, 443, "csc.example.vn")
        );
        let u = HttpUrl::parse_web("https://127.0.0.1:8443/").unwrap();
        assert_eq!((u.tls, u.port), (true, 8443));
        assert!(matches!(
            HttpUrl::parse_web("ftp://x/"),
            Err(NetError::UnsupportedScheme(_))
        ));
        assert!(matches!(
            HttpUrl::parse("ldap://x/"),
            Err(NetError::UnsupportedScheme(_))
        ));
        for bad in [
            "http://",
            "http://a:b/",
            "http://u@h/",
            "http://h/ a",
            "nourl",
            "http://h:99999/",
        ] {
            assert!(
                matches!(HttpUrl::parse(bad), Err(NetError::Url(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn content_length_and_content_type() {
        let (url, h) = serve_once(b"HTTP/1.1 200 OK\r\nContent-Type: Application/OCSP-Response; x=y\r\nContent-Length: 5\r\n\r\nhello".to_vec());
        let r = HttpClient::default()
            .post(&url, "application/ocsp-request", b"REQ")
            .unwrap();
        assert_eq!(r.body, b"hello");
        assert_eq!(r.content_type.as_deref(), Some("application/ocsp-response"));
        let req = String::from_utf8(h.join().unwrap()).unwrap();
        assert!(req.starts_with("POST /x?y=1 HTTP/1.1\r\n"), "{req}");
        assert!(
            req.contains("Content-Type: application/ocsp-request\r\nContent-Length: 3\r\n"),
            "{req}"
        );
    }

    #[test]
    fn chunked_and_until_close() {
        let (url, h) = serve_once(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext\r\nde\r\n0\r\nX: y\r\n\r\n".to_vec());
        assert_eq!(HttpClient::default().get(&url).unwrap().body, b"abcde");
        h.join().unwrap();
        let (url, h) = serve_once(b"HTTP/1.0 200 OK\r\n\r\nuntil close".to_vec());
        assert_eq!(
            HttpClient::default().get(&url).unwrap().body,
            b"until close"
        );
        h.join().unwrap();
    }

    #[test]
    fn limits_and_errors() {
        let small = HttpClient {
            max_response: 4,
            ..HttpClient::default()
        };
        let (url, h) = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".to_vec());
        assert!(matches!(
            small.get(&url),
            Err(NetError::TooLarge { limit: 4, .. })
        ));
        h.join().unwrap();
        let (url, h) = serve_once(b"HTTP/1.1 200 OK\r\n\r\nhello".to_vec());
        assert!(matches!(small.get(&url), Err(NetError::TooLarge { .. })));
        h.join().unwrap();
        let (url, h) = serve_once(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n"
                .to_vec(),
        );
        assert!(matches!(small.get(&url), Err(NetError::Malformed { .. })));
        h.join().unwrap();
        let (url, h) = serve_once(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec());
        assert!(matches!(
            HttpClient::default().get(&url),
            Err(NetError::Status { status: 404, .. })
        ));
        h.join().unwrap();
        let (url, h) = serve_once(b"SMTP ready\r\n\r\n".to_vec());
        assert!(matches!(
            HttpClient::default().get(&url),
            Err(NetError::Malformed { .. })
        ));
        h.join().unwrap();
        let (url, h) = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort".to_vec());
        assert!(matches!(
            HttpClient::default().get(&url),
            Err(NetError::Malformed { .. })
        ));
        h.join().unwrap();
    }

    #[test]
    fn times_out_on_a_silent_server() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}/", l.local_addr().unwrap().port());
        let h = std::thread::spawn(move || {
            let (s, _) = l.accept().unwrap();
            std::thread::sleep(Duration::from_millis(800));
            drop(s);
        });
        let c = HttpClient {
            io_timeout: Duration::from_millis(200),
            ..HttpClient::default()
        };
        let t = Instant::now();
        assert!(matches!(c.get(&url), Err(NetError::Timeout(_))));
        assert!(t.elapsed() < Duration::from_millis(700));
        h.join().unwrap();
    }

    #[test]
    fn request_headers_cannot_break_the_request() {
        assert!(check_header("Authorization", "Bearer abc.DEF-123").is_ok());
        for (n, v) in [
            ("Authorization", "Bearer x\r\nX-Evil: 1"),
            ("Bad Name", "v"),
            ("", "v"),
            ("X", "a\nb"),
        ] {
            assert!(
                matches!(check_header(n, v), Err(NetError::InvalidHeader(_))),
                "{n:?} {v:?}"
            );
        }
        let err = HttpClient::default()
            .post_with_headers(
                "http://127.0.0.1:9/",
                &[("Authorization", "Bearer x\r\nHost: evil")],
                "application/json",
                b"{}",
            )
            .unwrap_err();
        assert!(matches!(err, NetError::InvalidHeader(_)), "{err}");
    }

    #[test]
    fn headers_are_sent_and_error_statuses_returned() {
        let (url, h) = serve_once(
            b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"error\":\"nope\"}"
                .to_vec(),
        );
        let r = HttpClient::default()
            .post_with_headers(&url, &[("Authorization", "Bearer T")], "application/json", b"{}")
            .unwrap();
        assert_eq!((r.status, r.body.as_slice()), (400, &b"{\"error\":\"nope\"}"[..]));
        let req = String::from_utf8(h.join().unwrap()).unwrap();
        assert!(req.contains("\r\nAuthorization: Bearer T\r\n"), "{req}");
    }

    #[test]
    fn refused_connection_is_an_io_error() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        assert!(matches!(
            HttpClient::default().get(&format!("http://127.0.0.1:{port}/")),
            Err(NetError::Io { .. })
        ));
    }
}
