//! A minimal blocking HTTP/1.1 client for the three services long-term validation talks to:
//! time-stamp authorities (RFC 3161 over HTTP), OCSP responders (RFC 6960 over HTTP) and CRL
//! distribution points. All three are plain `http://` by design (their responses are signed),
//! so this client speaks only `http://`, over `std::net::TcpStream`, with a connect timeout,
//! a read timeout, an overall deadline and a response size limit on every request.
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
}

/// An HTTP response with status 200.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The `Content-Type` header, lower-cased, without parameters.
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
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
}

#[cfg(feature = "online")]
/// The built-in blocking HTTP/1.1 client (`http://` only).
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
        }
    }
}

/// A parsed `http://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpUrl {
    /// Host name or IP literal (IPv6 without brackets).
    pub host: String,
    /// Port (80 by default).
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl HttpUrl {
    /// Parses `http://host[:port][/path][?query]` (a fragment is dropped).
    ///
    /// # Errors
    /// `Url` for malformed URLs, `UnsupportedScheme` for other schemes.
    pub(crate) fn parse(url: &str) -> Result<Self, NetError> {
        let bad = || NetError::Url(url.to_string());
        let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
        if !scheme.eq_ignore_ascii_case("http") {
            return Err(NetError::UnsupportedScheme(url.to_string()));
        }
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
                None if after.is_empty() => 80,
                None => return Err(bad()),
            };
            (h.to_string(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), p.parse().map_err(|_| bad())?),
                None => (authority.to_string(), 80),
            }
        };
        if host.is_empty()
            || !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-_:%".contains(&b))
        {
            return Err(bad());
        }
        Ok(HttpUrl { host, port, path })
    }

#[cfg(feature = "online")]
    fn host_header(&self) -> String {
        let h = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 80 {
            h
        } else {
            format!("{h}:{}", self.port)
        }
    }
}

#[cfg(feature = "online")]
impl HttpTransport for HttpClient {
    fn post(&self, url: &str, content_type: &str, body: &[u8]) -> Result<Response, NetError> {
        match self.exchange(url, "POST", Some((content_type, body)))? {
            Exchange::Done(r) => Ok(r),
            Exchange::Redirect(_) => Err(NetError::Status {
                url: url.to_string(),
                status: 302,
            }),
        }
    }

    fn get(&self, url: &str) -> Result<Response, NetError> {
        let mut current = url.to_string();
        for _ in 0..=MAX_REDIRECTS {
            match self.exchange(&current, "GET", None)? {
                Exchange::Done(r) => return Ok(r),
                Exchange::Redirect(next) => current = next,
            }
        }
        Err(NetError::Status {
            url: url.to_string(),
            status: 310,
        })
    }
}

#[cfg(feature = "online")]
enum Exchange {
    Done(Response),
    Redirect(String),
}

#[cfg(feature = "online")]
impl HttpClient {
    fn exchange(
        &self,
        url: &str,
        method: &str,
        body: Option<(&str, &[u8])>,
    ) -> Result<Exchange, NetError> {
        let u = HttpUrl::parse(url)?;
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
        let mut stream = match stream {
            Some(s) => s,
            None => {
                return Err(io(last_err.unwrap_or_else(|| {
                    std::io::Error::other("the host name has no address")
                })))
            }
        };
        stream.set_read_timeout(Some(self.io_timeout)).map_err(io)?;
        stream
            .set_write_timeout(Some(self.io_timeout))
            .map_err(io)?;
        let _ = stream.set_nodelay(true);

        let mut req = format!(
            "{method} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: kyso/{}\r\nAccept: */*\r\nConnection: close\r\n",
            u.path,
            u.host_header(),
            env!("CARGO_PKG_VERSION")
        );
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
        if method == "GET" && matches!(status, 301 | 302 | 303 | 307 | 308) {
            let loc = location.ok_or_else(|| malformed("redirect without Location"))?;
            let next = if loc.starts_with('/') {
                format!("http://{}{loc}", u.host_header())
            } else {
                loc
            };
            return Ok(Exchange::Redirect(next));
        }
        if status != 200 {
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
        Ok(Exchange::Done(Response { content_type, body }))
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
    inner: TcpStream,
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
