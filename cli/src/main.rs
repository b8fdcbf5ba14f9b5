//! The `kyso` command: parses arguments, calls the library, prints. No logic lives here that
//! the library does not offer.
//!
//! Exit codes: 0 = success (every file valid; `check`: the dossier is compliant), 1 = some
//! file not valid (`check`: not compliant, or cannot decide), 2 = usage, catalog or I/O error.

// Printing never panics (`println!` and friends do when the stream is closed, e.g. a
// broken pipe under `| head`): these ignore output errors. Where the output is the
// command's result, the command writes through `std::io::Write` and checks the error
// itself ([`output::is_broken_pipe`]).
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}
macro_rules! errln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}
macro_rules! err {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($t)*);
    }};
}

mod batch;
mod catalog;
mod output;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};

use kyso::appearance::{AnchorPosition, Placement, Preset, Rect, VisibleSignature};
use kyso::pki::{AiaFetcher, Certificate, TrustStore};
use kyso::policy::{Catalog, InputFile, Lang, Policy, PolicyOptions, Profiles};
use kyso::revocation::{OnlineSource, RevocationPolicy};
use kyso::sign::csc::{CscApiVersion, CscError, CscOptions, CscSigner};
use kyso::sign::external::{ExternalSigner, PendingSignature};
use kyso::sign::pkcs11::{Pkcs11Module, Pkcs11Options};
use kyso::sign::{KeySigner, SignOptions, Signer, SubFilterChoice};
use kyso::validate::{ValidationOptions, Validator};
use kyso::DigestAlgorithm;
use kyso::TsaClient;
use kyso::{LevelOptions, PadesLevel};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "kyso",
    version,
    about = "Sign and verify PDF documents with PKI certificates (PAdES)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign a PDF (PAdES B-B by incremental update).
    Sign(Box<SignArgs>),
    /// Verify the signatures of PDF files.
    Verify(VerifyArgs),
    /// Raise a signed PDF to PAdES B-LT or B-LTA (validation data, document time-stamp).
    Extend(ExtendArgs),
    /// Show a PDF's revisions, fields and signatures.
    Inspect(InspectArgs),
    /// What changed after a signature: the changes and, with --png, pictures of each changed
    /// page as signed and as it is now, side by side, the changed regions outlined.
    Diff(DiffArgs),
    /// Check a dossier (submission or result) against a procedure of the catalog.
    Check(CheckArgs),
    /// List the slots, tokens, keys and certificates of a PKCS#11 module.
    Tokens(TokensArgs),
    /// Work with JSON Lines batch reports.
    #[command(subcommand)]
    Report(batch::ReportCommand),
    /// Measure batch verification (and signing) throughput on a generated corpus.
    Bench(batch::BenchArgs),
    /// Serve verification, checks and signing over HTTP, with a web page (see docs/service.md).
    Serve(ServeArgs),
    /// See and manage trust profiles (anchors, intermediates, the CA's time-stamp authority).
    Trust(TrustArgs),
    /// Import the national procedure data into a catalog; validate, list and show catalogs.
    Catalog(catalog::CatalogArgs),
    /// Remote signing services (Cloud Signature Consortium API): list your credentials.
    #[command(subcommand)]
    Csc(CscCommand),
}

#[derive(Subcommand)]
enum CscCommand {
    /// List the credentials of the account (id, certificate subject and issuer, validity,
    /// key, how a signature is authorized).
    List(CscListArgs),
}

#[derive(Args)]
struct CscListArgs {
    #[command(flatten)]
    csc: CscArgs,
}

/// A key held by a remote signing service that speaks the CSC API (v2 or v1).
#[derive(Args)]
struct CscArgs {
    /// Base URL of the CSC API service (https://…): the API root ending in /csc/v2 (or
    /// /csc/v1), or the part before it.
    #[arg(long, value_name = "URL")]
    csc_url: Option<String>,
    /// The credential to sign with (default: the only one; with several, they are listed).
    #[arg(long, value_name = "ID", requires = "csc_url")]
    csc_credential: Option<String>,
    /// Read the OAuth 2.0 access token from this environment variable (tokens are never
    /// taken on the command line).
    #[arg(
        long,
        value_name = "VAR",
        requires = "csc_url",
        conflicts_with = "csc_token_file"
    )]
    csc_token_env: Option<String>,
    /// Read the access token from this file (first line).
    #[arg(long, value_name = "FILE", requires = "csc_url")]
    csc_token_file: Option<PathBuf>,
    /// Read the credential's PIN from this environment variable.
    #[arg(
        long,
        value_name = "VAR",
        requires = "csc_url",
        conflicts_with = "csc_pin_file"
    )]
    csc_pin_env: Option<String>,
    /// Read the credential's PIN from this file (first line).
    #[arg(long, value_name = "FILE", requires = "csc_url")]
    csc_pin_file: Option<PathBuf>,
    /// Read the one-time password (OTP) from this environment variable.
    #[arg(long, value_name = "VAR", requires = "csc_url")]
    csc_otp_env: Option<String>,
    /// The CSC API version the service speaks.
    #[arg(long, value_enum, value_name = "VERSION", default_value_t = CscApiArg::V2)]
    csc_api: CscApiArg,
    /// Trust anchors for the service's TLS certificate besides the system's CA bundle
    /// (PEM or DER). Repeatable.
    #[arg(long, value_name = "ROOT.pem", requires = "csc_url")]
    csc_tls_ca: Vec<PathBuf>,
    /// Time allowed to each request to the service, in seconds (authorizing may wait for
    /// the user's confirmation).
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    csc_timeout: u64,
}

#[derive(Clone, Copy, ValueEnum)]
enum CscApiArg {
    V1,
    V2,
}

#[derive(Args)]
struct ServeArgs {
    /// Configuration file (TOML: listen, trust, limits, api_keys, keys). Without one, only
    /// verify and check are open and only on a loopback address.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address to listen on (default 127.0.0.1:8080, or the config's `listen`).
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Trust anchor certificates for verification (PEM or DER). Repeatable.
    #[arg(long, value_name = "ROOT.pem")]
    trust: Vec<PathBuf>,
    /// Trust a bundled trust profile (`vn-public`, `vn-gov`). Repeatable.
    #[arg(long = "trust-profile", value_name = "NAME")]
    trust_profile: Vec<String>,
}

#[derive(Args)]
struct TrustArgs {
    /// Directory of the user's trust profiles (`NAME.toml`); default `$KYSO_TRUST_DIR`.
    #[arg(long, value_name = "DIR", global = true)]
    trust_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: TrustCommand,
}

#[derive(Subcommand)]
enum TrustCommand {
    /// List the profiles: bundled ones and the user's.
    List,
    /// Show a profile's anchors and intermediates with their fingerprints.
    Show {
        /// The profile.
        name: String,
    },
    /// Write a profile's certificates as PEM (anchors first).
    Export {
        /// The profile.
        name: String,
        /// Output file (default: standard output).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Add certificates (PEM, DER or PKCS#7 `.p7b`/`.p7c`) to a user profile file:
    /// self-signed ones become anchors, others intermediates. A profile named like a bundled
    /// one extends it.
    Add {
        /// The profile.
        name: String,
        /// The certificates.
        file: PathBuf,
        /// The time-stamp authority (http://…) the profile's CA publishes.
        #[arg(long, value_name = "URL")]
        tsa: Option<String>,
    },
}

#[derive(Args)]
struct KeyArgs {
    /// PKCS#12 file with the key, certificate and chain.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["key", "cert", "pkcs11_module"])]
    p12: Option<PathBuf>,
    /// Read the PKCS#12 password from this file (first line).
    #[arg(
        long,
        value_name = "FILE",
        requires = "p12",
        conflicts_with = "password_env"
    )]
    password_file: Option<PathBuf>,
    /// Read the PKCS#12 password from this environment variable.
    #[arg(long, value_name = "VAR", requires = "p12")]
    password_env: Option<String>,
    /// PEM private key (with --cert).
    #[arg(long, value_name = "KEY.pem", requires = "cert")]
    key: Option<PathBuf>,
    /// PEM certificate of the signer (with --key, or alone with --prepare).
    #[arg(long, value_name = "CERT.pem", conflicts_with = "pkcs11_module")]
    cert: Option<PathBuf>,
    /// PEM file with the rest of the chain (intermediates, root).
    #[arg(long, value_name = "CHAIN.pem")]
    chain: Option<PathBuf>,
    /// Digest algorithm.
    #[arg(long, value_enum, default_value_t = DigestArg::Sha256)]
    digest: DigestArg,
    /// Use RSASSA-PSS instead of PKCS#1 v1.5 (RSA keys).
    #[arg(long)]
    pss: bool,
}

#[derive(Args)]
struct SignArgs {
    /// The PDF to sign (never modified); with --out-dir, any number of files and directories.
    #[arg(value_name = "INPUT", required_unless_present = "manifest")]
    inputs: Vec<PathBuf>,
    /// Where to write the signed PDF (one input).
    #[arg(
        short,
        long,
        value_name = "OUT.pdf",
        required_unless_present = "out_dir"
    )]
    output: Option<PathBuf>,
    #[command(flatten)]
    key: KeyArgs,
    #[command(flatten)]
    token: TokenArgs,
    #[command(flatten)]
    csc: CscArgs,
    #[command(flatten)]
    external: ExternalArgs,
    /// File holding the password of an encrypted input PDF (its first line). Without it,
    /// the empty user password is tried: it opens documents that only restrict permissions.
    #[arg(long, value_name = "FILE")]
    pdf_password_file: Option<PathBuf>,
    /// Environment variable holding the password of an encrypted input PDF.
    #[arg(long, value_name = "VAR", conflicts_with = "pdf_password_file")]
    pdf_password_env: Option<String>,
    /// Sign this existing empty signature field, or create a field with this name.
    #[arg(long, value_name = "NAME")]
    field: Option<String>,
    /// Reason for signing.
    #[arg(long)]
    reason: Option<String>,
    /// Location of signing.
    #[arg(long)]
    location: Option<String>,
    /// Contact information of the signer.
    #[arg(long)]
    contact_info: Option<String>,
    /// Name of the signer (`/Name`).
    #[arg(long)]
    name: Option<String>,
    /// Signature format: PAdES (`ETSI.CAdES.detached`) or classic `adbe.pkcs7.detached`.
    #[arg(long, value_enum, default_value_t = SubFilterArg::Pades)]
    subfilter: SubFilterArg,
    /// Certify the document (DocMDP): 1 = no changes allowed, 2 = form filling and signing,
    /// 3 = also annotations. Only for a document without signatures.
    #[arg(long, value_name = "P", value_parser = clap::value_parser!(u8).range(1..=3))]
    certify: Option<u8>,
    /// PAdES baseline level: B-B, B-T (signature time-stamp), B-LT (plus validation data in
    /// the DSS), B-LTA (plus a document time-stamp).
    #[arg(long, value_name = "LEVEL", default_value = "B-B", value_parser = parse_level)]
    level: PadesLevel,
    /// Time-stamp authority URL (http://…), required from B-T on unless --trust-profile
    /// names a profile with a TSA.
    #[arg(long, value_name = "URL")]
    tsa: Option<String>,
    /// Trust anchors for the TSA's certificate: time-stamps whose TSA does not chain to one
    /// are refused at signing time. Repeatable.
    #[arg(long, value_name = "ROOT.pem", requires = "tsa")]
    tsa_trust: Vec<PathBuf>,
    /// Time allowed to each time-stamp request, in seconds (Vietnamese TSAs can be slow).
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    tsa_timeout: u64,
    /// Times a time-stamp request that timed out or could not connect is sent again.
    #[arg(long, value_name = "N", default_value_t = 1)]
    tsa_retries: u32,
    /// Trust profile whose CA's time-stamp authority to use when --tsa is not given.
    #[arg(long = "trust-profile", value_name = "NAME")]
    trust_profile: Option<String>,
    /// Directory of the user's trust profiles; default `$KYSO_TRUST_DIR`.
    #[arg(long, value_name = "DIR")]
    trust_dir: Option<PathBuf>,
    /// Do not check the signer's certificate status (OCSP/CRL) before signing (reported).
    #[arg(long)]
    no_revocation_check: bool,
    /// Replace OUT.pdf if it exists (with --out-dir: re-sign and replace existing outputs).
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    visible: VisibleArgs,
    #[command(flatten)]
    batch: batch::SignBatchArgs,
}

impl SignArgs {
    /// The single input (checked by `sign`).
    fn input(&self) -> &Path {
        self.inputs.first().map_or(Path::new(""), PathBuf::as_path)
    }
    /// The single output (checked by `sign`).
    fn output(&self) -> &Path {
        self.output.as_deref().unwrap_or(Path::new(""))
    }
}

#[derive(Args)]
struct ExtendArgs {
    /// The signed PDF (never modified).
    input: PathBuf,
    /// Where to write the extended PDF.
    #[arg(short, long, value_name = "OUT.pdf")]
    output: PathBuf,
    /// The level to reach: B-LT (validation data in the DSS) or B-LTA (and a document
    /// time-stamp; run again before the last time-stamp's certificate expires).
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    level: PadesLevel,
    /// Time-stamp authority URL (http://…), required for B-LTA.
    #[arg(long, value_name = "URL")]
    tsa: Option<String>,
    /// Trust anchors for the TSA's certificate: time-stamps whose TSA does not chain to one
    /// are refused at signing time. Repeatable.
    #[arg(long, value_name = "ROOT.pem", requires = "tsa")]
    tsa_trust: Vec<PathBuf>,
    /// Extra certificates for completing chains (intermediates). Repeatable.
    #[arg(long = "certs", value_name = "CERTS.pem")]
    certs: Vec<PathBuf>,
    /// For B-LTA on an archive that already has a document time-stamp: do nothing (exit 0)
    /// unless its TSA certificate expires within this many days.
    #[arg(long, value_name = "DAYS")]
    renew_within: Option<u32>,
    /// Replace OUT.pdf if it exists.
    #[arg(long)]
    force: bool,
}

/// Visible signature options (any of them makes the signature visible).
#[derive(Args)]
struct VisibleArgs {
    /// Make the signature visible (implied by every option below).
    #[arg(long)]
    visible: bool,
    /// Rules for the appearance (Decree 30/2020 Appendix I): official = handwritten-signature
    /// image; seal = seal image at actual size over the left third of the previous signature;
    /// copy = electronic copy: copy form, organisation and time, top right, 10 pt, no image.
    #[arg(long, value_enum, value_name = "PRESET")]
    appearance: Option<AppearanceArg>,
    /// Page of the visible signature (1 = first) [default: 1].
    #[arg(long, value_name = "N")]
    page: Option<usize>,
    /// Widget rectangle in points from the page's bottom-left corner.
    #[arg(long, value_name = "x1,y1,x2,y2", conflicts_with = "anchor")]
    rect: Option<String>,
    /// Put the widget next to the last occurrence of this text on the page.
    #[arg(long, value_name = "TEXT")]
    anchor: Option<String>,
    /// Which side of the anchor text [default: below].
    #[arg(long, value_enum, requires = "anchor")]
    anchor_position: Option<AnchorArg>,
    /// Widget size in points for --anchor and the presets' automatic placement.
    #[arg(long, value_name = "W,H", conflicts_with = "rect")]
    size: Option<String>,
    /// PNG image to show (handwritten signature, seal); transparency is kept.
    #[arg(long, value_name = "FILE.png")]
    image: Option<PathBuf>,
    /// Text template: {name} {org} {time} {reason} {location}; "\n" breaks lines.
    #[arg(long, value_name = "TEMPLATE")]
    text: Option<String>,
    /// Font size in points [default: 10; text is shrunk to fit a given rectangle].
    #[arg(long, value_name = "PT")]
    font_size: Option<f64>,
    /// Organisation for {org} [default: the certificate's O, else its CN].
    #[arg(long, value_name = "TEXT")]
    org: Option<String>,
    /// Allow the widget over text of the page.
    #[arg(long)]
    allow_overlap: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum AppearanceArg {
    Official,
    Seal,
    Copy,
}

#[derive(Clone, Copy, ValueEnum)]
enum AnchorArg {
    Below,
    Above,
    Left,
    Right,
}

/// A key on a PKCS#11 token or HSM.
#[derive(Args)]
struct TokenArgs {
    /// PKCS#11 module of the USB token or HSM (e.g. /usr/lib/softhsm/libsofthsm2.so).
    #[arg(long, value_name = "PATH")]
    pkcs11_module: Option<PathBuf>,
    /// The token's label (default: the only token present).
    #[arg(
        long,
        value_name = "LABEL",
        requires = "pkcs11_module",
        conflicts_with = "slot"
    )]
    token_label: Option<String>,
    /// The token's slot ID (see `kyso tokens`).
    #[arg(long, value_name = "N", requires = "pkcs11_module")]
    slot: Option<u64>,
    /// The private key's label (default: the only private key).
    #[arg(long, value_name = "LABEL", requires = "pkcs11_module")]
    key_label: Option<String>,
    /// The private key's ID, hex.
    #[arg(long, value_name = "HEX", requires = "pkcs11_module")]
    key_id: Option<String>,
    /// Read the token PIN from this environment variable.
    #[arg(
        long,
        value_name = "VAR",
        requires = "pkcs11_module",
        conflicts_with = "pin_file"
    )]
    pin_env: Option<String>,
    /// Read the token PIN from this file (first line).
    #[arg(long, value_name = "FILE", requires = "pkcs11_module")]
    pin_file: Option<PathBuf>,
}

/// Two-phase signing, for remote signing services and keys held elsewhere.
#[derive(Args)]
struct ExternalArgs {
    /// Step 1: write the prepared PDF to -o and the state to --state, print the hex digest to
    /// sign (the signer's certificate comes from --cert and --chain).
    #[arg(long, requires_all = ["state", "cert"], conflicts_with_all = ["finish", "p12", "key", "pkcs11_module"])]
    prepare: bool,
    /// Step 2: IN.pdf is the prepared PDF; check --signature and embed it.
    #[arg(long, requires_all = ["state", "signature"], conflicts_with_all = ["p12", "key", "cert", "pkcs11_module"])]
    finish: bool,
    /// The signing state (JSON), written by --prepare and read by --finish.
    #[arg(long, value_name = "STATE.json")]
    state: Option<PathBuf>,
    /// With --finish: the signature over the signed attributes, or a complete CMS (binary,
    /// hex, base64 or PEM).
    #[arg(long, value_name = "FILE", requires = "finish")]
    signature: Option<PathBuf>,
    /// With --prepare: also write the signed attributes (DER), the message to sign, here.
    #[arg(long, value_name = "FILE", requires = "prepare")]
    signed_attributes_out: Option<PathBuf>,
    /// With --prepare: reserve this many more bytes for a CMS the signing service builds.
    #[arg(long, value_name = "BYTES", requires = "prepare", default_value_t = 0)]
    reserve: usize,
}

#[derive(Args)]
struct TokensArgs {
    #[command(flatten)]
    token: TokenArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Args)]
struct VerifyArgs {
    /// PDF files to verify, or directories (walked recursively for *.pdf).
    #[arg(required_unless_present = "manifest")]
    files: Vec<PathBuf>,
    /// File holding the password of encrypted PDFs that the empty password does not open.
    #[arg(long, value_name = "FILE")]
    pdf_password_file: Option<PathBuf>,
    /// Environment variable holding the password of encrypted PDFs.
    #[arg(long, value_name = "VAR", conflicts_with = "pdf_password_file")]
    pdf_password_env: Option<String>,
    /// Trust anchor certificates (PEM or DER; a PEM file may hold several). Repeatable.
    #[arg(long, value_name = "ROOT.pem")]
    trust: Vec<PathBuf>,
    /// Extra certificates for building chains (intermediates). Repeatable.
    #[arg(long = "certs", value_name = "CERTS.pem")]
    certs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Validate as of this time (RFC 3339, e.g. 2030-01-01T00:00:00Z) instead of now.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// Accept filling in existing form fields after an approval signature (reported).
    #[arg(long)]
    allow_form_filling: bool,
    /// The rendering backstop: `changed` renders the pages whose content changed after a
    /// signature and compares them with the signed ones; `all` renders every page; `off`.
    #[arg(long, value_enum, default_value_t = RenderingArg::Changed)]
    rendering: RenderingArg,
    /// Use only the validation data in the files: fetch no OCSP response or CRL.
    #[arg(long)]
    offline: bool,
    /// When a certificate's revocation status cannot be established: `require` makes the
    /// signature INDETERMINATE, `soft-fail` warns (an expired certificate still needs
    /// evidence), `off` does not check revocation.
    #[arg(long, value_enum, default_value_t = RevocationArg::SoftFail)]
    revocation: RevocationArg,
    /// Trust a bundled trust profile (`vn-public`, `vn-gov`): its anchors and known
    /// intermediates. Repeatable; combines with --trust.
    #[arg(long = "trust-profile", value_name = "NAME")]
    trust_profile: Vec<String>,
    /// Directory of the user's trust profiles (`NAME.toml`, see `kyso trust add`); default
    /// `$KYSO_TRUST_DIR`.
    #[arg(long, value_name = "DIR")]
    trust_dir: Option<PathBuf>,
    /// Report language (text, and the JSON's messages). Default: `$KYSO_LANG`, else
    /// Vietnamese when `$LANG` starts with `vi`, else English.
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
    #[command(flatten)]
    batch: batch::VerifyBatchArgs,
}

#[derive(Args)]
struct CheckArgs {
    /// The dossier: PDF files, or directories whose *.pdf files are taken (one dossier).
    #[arg(required = true, value_name = "FILE|DIR")]
    files: Vec<PathBuf>,
    /// Procedure code, e.g. 2.001098.
    #[arg(long, value_name = "CODE")]
    procedure: String,
    /// What the dossier is.
    #[arg(long, value_enum)]
    role: RoleArg,
    /// Procedure catalog (TOML, see docs/catalog.md). Default: the bundled example catalog.
    #[arg(long, value_name = "FILE")]
    catalog: Option<PathBuf>,
    /// Add trust anchors to a profile, as NAME=ROOT.pem. Repeatable.
    #[arg(long = "add-anchor", value_name = "NAME=ROOT.pem")]
    add_anchor: Vec<String>,
    /// Replace a profile's trust anchors, as NAME=ROOT.pem. Repeatable.
    #[arg(long = "replace-anchors", value_name = "NAME=ROOT.pem")]
    replace_anchors: Vec<String>,
    /// Report language.
    #[arg(long, value_enum, default_value_t = LangArg::Vi)]
    lang: LangArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Validate as of this time (RFC 3339) instead of now.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// Accept filling in existing form fields after an approval signature (reported).
    #[arg(long)]
    allow_form_filling: bool,
    /// Text output: list the rules that passed too.
    #[arg(short, long)]
    verbose: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Submission,
    Result,
}

#[derive(Clone, Copy, ValueEnum)]
enum LangArg {
    Vi,
    En,
}

#[derive(Args)]
struct InspectArgs {
    /// The PDF to inspect.
    file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Args)]
struct DiffArgs {
    /// The signed PDF.
    file: PathBuf,
    /// Which signature (1-based, in the order of the file; default: the first).
    #[arg(long, default_value_t = 1)]
    signature: usize,
    /// Write `page-N.png` for each page that changed after the signature into DIR (signed
    /// page left, current page right; red: changed outside the permitted changes, blue:
    /// permitted changes such as new signatures and filled fields).
    #[arg(long, value_name = "DIR")]
    png: Option<PathBuf>,
    /// Replace existing pictures in DIR.
    #[arg(long)]
    force: bool,
    /// File holding the password of an encrypted PDF that the empty password does not open.
    #[arg(long, value_name = "FILE")]
    pdf_password_file: Option<PathBuf>,
    /// Environment variable holding the password of an encrypted PDF.
    #[arg(long, value_name = "VAR", conflicts_with = "pdf_password_file")]
    pdf_password_env: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum RenderingArg {
    Off,
    Changed,
    All,
}

impl RenderingArg {
    fn check(self) -> kyso::RenderCheck {
        match self {
            RenderingArg::Off => kyso::RenderCheck::Off,
            RenderingArg::Changed => kyso::RenderCheck::Changed,
            RenderingArg::All => kyso::RenderCheck::AllPages,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum SubFilterArg {
    Pades,
    Pkcs7,
}

#[derive(Clone, Copy, ValueEnum)]
enum RevocationArg {
    Require,
    SoftFail,
    Off,
}

fn parse_level(s: &str) -> Result<PadesLevel, String> {
    PadesLevel::parse(s).ok_or_else(|| format!("unknown level {s:?} (B-B, B-T, B-LT, B-LTA)"))
}

#[derive(Clone, Copy, ValueEnum)]
enum DigestArg {
    Sha256,
    Sha384,
    Sha512,
}

/// An error that ends the command with exit code 2.
struct Fatal(String);

impl<E: std::fmt::Display> From<E> for Fatal {
    fn from(e: E) -> Self {
        Fatal(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Sign(a) => sign(*a),
        Command::Verify(a) => verify(a),
        Command::Extend(a) => extend(a),
        Command::Inspect(a) => inspect(a),
        Command::Diff(a) => diff(a),
        Command::Check(a) => check(a),
        Command::Tokens(a) => tokens(a),
        Command::Report(batch::ReportCommand::Merge(a)) => batch::merge(&a),
        Command::Bench(a) => batch::bench(&a),
        Command::Serve(a) => serve(a),
        Command::Trust(a) => trust(a),
        Command::Catalog(a) => catalog::run(a),
        Command::Csc(CscCommand::List(a)) => csc_list(&a.csc),
    };
    match result {
        Ok(code) => code,
        Err(Fatal(msg)) => {
            errln!("kyso: {msg}");
            ExitCode::from(2)
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Fatal> {
    std::fs::read(path).map_err(|e| Fatal(format!("cannot read {}: {e}", path.display())))
}

fn load_certs(paths: &[PathBuf]) -> Result<Vec<Certificate>, Fatal> {
    let mut out = Vec::new();
    for p in paths {
        let certs = Certificate::from_pem_or_der(&read(p)?)
            .map_err(|e| Fatal(format!("{}: {e}", p.display())))?;
        out.extend(certs);
    }
    Ok(out)
}

fn password(args: &KeyArgs) -> Result<String, Fatal> {
    if let Some(f) = &args.password_file {
        let text = String::from_utf8(read(f)?)
            .map_err(|_| Fatal(format!("{}: the password is not UTF-8", f.display())))?;
        return Ok(text.lines().next().unwrap_or("").to_string());
    }
    if let Some(var) = &args.password_env {
        return std::env::var(var)
            .map_err(|_| Fatal(format!("environment variable {var} is not set")));
    }
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return rpassword::prompt_password("PKCS#12 password: ").map_err(Fatal::from);
    }
    Err(Fatal("no password: use --password-file or --password-env (passwords are never taken on the command line)".into()))
}

fn signer(args: &KeyArgs) -> Result<KeySigner, Fatal> {
    let signer = if let Some(p12) = &args.p12 {
        KeySigner::from_pkcs12(&read(p12)?, &password(args)?)?
    } else if let (Some(k), Some(c)) = (&args.key, &args.cert) {
        let chain = args.chain.as_ref().map(|p| read(p)).transpose()?;
        KeySigner::from_pem(&read(k)?, &read(c)?, chain.as_deref())?
    } else {
        return Err(Fatal(
            "give a key: --p12 FILE, --key KEY.pem --cert CERT.pem, or --pkcs11-module PATH".into(),
        ));
    };
    let signer = if args.p12.is_some() {
        match &args.chain {
            Some(_) => {
                return Err(Fatal(
                    "--chain goes with --key/--cert; a PKCS#12 file carries its own chain".into(),
                ))
            }
            None => signer,
        }
    } else {
        signer
    };
    Ok(signer.with_algorithm(digest_alg(args.digest), args.pss)?)
}

fn digest_alg(d: DigestArg) -> DigestAlgorithm {
    match d {
        DigestArg::Sha256 => DigestAlgorithm::Sha256,
        DigestArg::Sha384 => DigestAlgorithm::Sha384,
        DigestArg::Sha512 => DigestAlgorithm::Sha512,
    }
}

/// The token PIN from a file, an environment variable or a prompt on a terminal; `None`
/// when there is none to ask for (a token without login or with a PIN pad). Zeroed on drop.
fn pin(t: &TokenArgs, prompt: bool) -> Result<Option<zeroize::Zeroizing<String>>, Fatal> {
    use zeroize::Zeroizing;
    if let Some(f) = &t.pin_file {
        let bytes = Zeroizing::new(read(f)?);
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| Fatal(format!("{}: the PIN is not UTF-8", f.display())))?;
        let line = text.lines().next().unwrap_or("");
        return Ok(Some(Zeroizing::new(line.to_string())));
    }
    if let Some(var) = &t.pin_env {
        return std::env::var(var)
            .map(|p| Some(Zeroizing::new(p)))
            .map_err(|_| Fatal(format!("environment variable {var} is not set")));
    }
    if prompt && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        let p = Zeroizing::new(rpassword::prompt_password("Token PIN: ")?);
        return Ok((!p.is_empty()).then_some(p));
    }
    Ok(None)
}

fn pkcs11_options(t: &TokenArgs, k: Option<&KeyArgs>) -> Result<Pkcs11Options, Fatal> {
    let key_id = match &t.key_id {
        Some(h) => Some(
            kyso::sign::external::decode_hex(&h.replace(':', ""))
                .ok_or_else(|| Fatal(format!("--key-id: {h:?} is not hex")))?,
        ),
        None => None,
    };
    let mut o = Pkcs11Options {
        slot: t.slot,
        token_label: t.token_label.clone(),
        key_label: t.key_label.clone(),
        key_id,
        ..Pkcs11Options::default()
    };
    if let Some(k) = k {
        o.digest = digest_alg(k.digest);
        o.pss = k.pss;
        o.chain = load_certs(k.chain.as_slice())?;
    }
    Ok(o)
}

/// A secret from a file (first line) or an environment variable.
fn secret(
    file: Option<&Path>,
    env: Option<&str>,
    what: &str,
) -> Result<Option<zeroize::Zeroizing<String>>, Fatal> {
    use zeroize::Zeroizing;
    if let Some(f) = file {
        let bytes = Zeroizing::new(read(f)?);
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| Fatal(format!("{}: the {what} is not UTF-8", f.display())))?;
        return Ok(Some(Zeroizing::new(
            text.lines().next().unwrap_or("").trim().to_string(),
        )));
    }
    if let Some(var) = env {
        return std::env::var(var)
            .map(|v| Some(Zeroizing::new(v)))
            .map_err(|_| Fatal(format!("environment variable {var} is not set")));
    }
    Ok(None)
}

/// The CSC options the arguments give (the URL must be there).
fn csc_options(c: &CscArgs, digest: DigestAlgorithm) -> Result<CscOptions, Fatal> {
    let Some(url) = &c.csc_url else {
        return Err(Fatal("give the service: --csc-url URL".into()));
    };
    let token = secret(
        c.csc_token_file.as_deref(),
        c.csc_token_env.as_deref(),
        "access token",
    )?
    .ok_or_else(|| {
        Fatal(
            "give the access token with --csc-token-env VAR or --csc-token-file FILE (tokens are never taken on the command line)"
                .into(),
        )
    })?;
    let pin = secret(c.csc_pin_file.as_deref(), c.csc_pin_env.as_deref(), "PIN")?;
    let otp = secret(None, c.csc_otp_env.as_deref(), "OTP")?;
    Ok(CscOptions {
        url: url.clone(),
        api: match c.csc_api {
            CscApiArg::V1 => CscApiVersion::V1,
            CscApiArg::V2 => CscApiVersion::V2,
        },
        access_token: token.to_string(),
        credential_id: c.csc_credential.clone(),
        pin: pin.map(|p| p.to_string()),
        otp: otp.map(|p| p.to_string()),
        digest,
        description: Some("kyso: sign a PDF document".into()),
        timeout: std::time::Duration::from_secs(c.csc_timeout.max(1)),
        tls_roots: load_certs(&c.csc_tls_ca)?,
    })
}

/// Explains a CSC failure for the command line: lists the credentials to choose from,
/// names the options for a missing PIN or OTP.
fn csc_fatal(e: CscError, opts: &CscOptions) -> Fatal {
    match e {
        CscError::ChooseCredential(_) => {
            let listing = kyso::sign::csc::list_credentials(
                opts,
                kyso::sign::csc::default_transport(opts).as_ref(),
                50,
            )
            .map(|c| kyso::sign::csc::render_credentials(&c))
            .unwrap_or_default();
            Fatal(format!("{e}\n{listing}choose one with --csc-credential ID"))
        }
        CscError::PinRequired(_) => Fatal(format!(
            "{e} (give it with --csc-pin-env VAR or --csc-pin-file FILE)"
        )),
        CscError::OtpRequired(_) => Fatal(format!("{e} (give it with --csc-otp-env VAR)")),
        e => Fatal(e.to_string()),
    }
}

fn csc_list(c: &CscArgs) -> Result<ExitCode, Fatal> {
    let opts = csc_options(c, DigestAlgorithm::Sha256)?;
    let t = kyso::sign::csc::default_transport(&opts);
    let creds = match &opts.credential_id {
        Some(_) => vec![CscSigner::connect_over(opts.clone(), t)
            .map_err(|e| csc_fatal(e, &opts))?
            .credential()
            .clone()],
        None => kyso::sign::csc::list_credentials(&opts, t.as_ref(), 1000)
            .map_err(|e| Fatal(e.to_string()))?,
    };
    if creds.is_empty() {
        return Err(Fatal(CscError::NoCredential.to_string()));
    }
    let _ = std::io::stdout().write_all(kyso::sign::csc::render_credentials(&creds).as_bytes());
    Ok(ExitCode::SUCCESS)
}

/// The signer the arguments name: a remote CSC service, a PKCS#11 token, a PKCS#12 file or a
/// PEM key.
fn any_signer(args: &KeyArgs, token: &TokenArgs, csc: &CscArgs) -> Result<Box<dyn Signer>, Fatal> {
    if csc.csc_url.is_some() {
        if args.p12.is_some() || args.key.is_some() || token.pkcs11_module.is_some() {
            return Err(Fatal(
                "--csc-url is a key of its own: it does not go with --p12, --key or --pkcs11-module".into(),
            ));
        }
        if args.chain.is_some() || args.cert.is_some() || args.pss {
            return Err(Fatal(
                "with --csc-url the certificate and chain come from the service (--cert, --chain and --pss do not apply)".into(),
            ));
        }
        let opts = csc_options(csc, digest_alg(args.digest))?;
        let signer = CscSigner::connect(opts.clone()).map_err(|e| csc_fatal(e, &opts))?;
        errln!(
            "CSC credential {}: {}",
            signer.credential().id,
            signer.certificate().subject()
        );
        return Ok(Box::new(signer));
    }
    let Some(module) = &token.pkcs11_module else {
        return Ok(Box::new(signer(args)?));
    };
    let module = Pkcs11Module::load(module)?;
    let opts = pkcs11_options(token, Some(args))?;
    let pin = pin(token, true)?;
    Ok(Box::new(
        module.signer(&opts, pin.as_deref().map(String::as_str))?,
    ))
}

fn prepare_external(a: &SignArgs, input: &[u8], opts: &SignOptions) -> Result<ExitCode, Fatal> {
    let (Some(cert), Some(state_path)) = (&a.key.cert, &a.external.state) else {
        return Err(Fatal("--prepare needs --cert and --state".into()));
    };
    let mut certs = load_certs(std::slice::from_ref(cert))?;
    if certs.is_empty() {
        return Err(Fatal(format!("{}: no certificate", cert.display())));
    }
    let cert = certs.remove(0);
    certs.extend(load_certs(a.key.chain.as_slice())?);
    let signer = ExternalSigner::new(cert, certs)?
        .with_algorithm(digest_alg(a.key.digest), a.key.pss)?
        .with_extra_capacity(a.external.reserve);
    let prepared = kyso::sign::external::prepare_external(input, &signer, opts)?;
    kyso::write_atomic(a.output(), &prepared.pdf, a.force)?;
    kyso::write_atomic(state_path, prepared.state.to_json().as_bytes(), a.force)?;
    if let Some(p) = &a.external.signed_attributes_out {
        kyso::write_atomic(p, &prepared.state.signed_attributes, a.force)?;
    }
    outln!(
        "{}",
        prepared
            .state
            .to_be_signed_digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    errln!(
        "prepared {} → {}; state in {}. Sign the {} digest printed above ({}), then run          kyso sign {} -o SIGNED.pdf --finish --state {} --signature SIG",
        a.input().display(),
        a.output().display(),
        state_path.display(),
        prepared.state.digest_algorithm.name(),
        prepared.state.scheme.name(),
        a.output().display(),
        state_path.display(),
    );
    Ok(ExitCode::SUCCESS)
}

fn finish_external(a: &SignArgs, prepared: &[u8]) -> Result<ExitCode, Fatal> {
    let (Some(state_path), Some(sig_path)) = (&a.external.state, &a.external.signature) else {
        return Err(Fatal("--finish needs --state and --signature".into()));
    };
    let state_text = String::from_utf8(read(state_path)?)
        .map_err(|_| Fatal(format!("{}: not a signing state", state_path.display())))?;
    let state = PendingSignature::from_json(&state_text)?;
    let signature = kyso::sign::external::decode_signature_file(&read(sig_path)?);
    let signed = kyso::sign::external::finish_external(prepared, &state, &signature)?;
    kyso::write_atomic(a.output(), &signed, a.force)?;
    errln!(
        "signed {} → {} ({} bytes)",
        a.input().display(),
        a.output().display(),
        signed.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn tokens(a: TokensArgs) -> Result<ExitCode, Fatal> {
    let Some(path) = &a.token.pkcs11_module else {
        return Err(Fatal("give the module: --pkcs11-module PATH".into()));
    };
    let module = Pkcs11Module::load(path)?;
    let opts = pkcs11_options(&a.token, None)?;
    let pin = pin(&a.token, false)?;
    let slots = module.list(&opts, pin.as_deref().map(String::as_str))?;
    let text = match a.format {
        Format::Text => kyso::sign::pkcs11::render_listing(&slots),
        Format::Json => serde_json::to_string_pretty(&slots)? + "\n",
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    Ok(ExitCode::SUCCESS)
}

fn sign(a: SignArgs) -> Result<ExitCode, Fatal> {
    if let Some(dir) = a.batch.out_dir.clone() {
        return sign_batch(&a, &dir);
    }
    if a.inputs.len() != 1 || a.output.is_none() {
        return Err(Fatal(
            "one input with -o OUT.pdf, or several inputs and directories with --out-dir DIR"
                .into(),
        ));
    }
    if kyso::same_file(a.input(), a.output()) {
        return Err(Fatal(
            "the output must not be the input: kyso never modifies its input".into(),
        ));
    }
    let input = read(a.input())?;
    if (a.external.prepare || a.external.finish) && (a.level != PadesLevel::BB || a.tsa.is_some()) {
        return Err(Fatal(
            "two-phase signing makes B-B signatures: raise them to B-LT or B-LTA afterwards with kyso extend"
                .into(),
        ));
    }
    if a.csc.csc_url.is_some() && (a.external.prepare || a.external.finish) {
        return Err(Fatal(
            "--csc-url signs in one step: two-phase signing (--prepare/--finish) is for services that answer later".into(),
        ));
    }
    if a.external.finish {
        return finish_external(&a, &input);
    }
    if a.external.state.is_some() && !a.external.prepare {
        return Err(Fatal("--state goes with --prepare or --finish".into()));
    }
    let opts = sign_options(&a)?;
    if a.external.prepare {
        return prepare_external(&a, &input, &opts);
    }
    let signer = any_signer(&a.key, &a.token, &a.csc)?;
    let lvl = level_options(&a)?;
    if a.tsa.is_some() && a.level < PadesLevel::BT {
        return Err(Fatal("--tsa needs --level B-T, B-LT or B-LTA".into()));
    }
    let signed = kyso::sign::levels::sign(&input, signer.as_ref(), &opts, &lvl)?;
    for n in &signed.notes {
        errln!("note: {n}");
    }
    kyso::write_atomic(a.output(), &signed.pdf, a.force)?;
    errln!(
        "signed {} → {} ({} bytes, PAdES {})",
        a.input().display(),
        a.output().display(),
        signed.pdf.len(),
        a.level.as_str()
    );
    Ok(ExitCode::SUCCESS)
}

/// The signing options the arguments ask for (one file or a batch).
fn sign_options(a: &SignArgs) -> Result<SignOptions, Fatal> {
    Ok(SignOptions {
        field: a.field.clone(),
        reason: a.reason.clone(),
        location: a.location.clone(),
        contact_info: a.contact_info.clone(),
        name: a.name.clone(),
        sub_filter: match a.subfilter {
            SubFilterArg::Pades => SubFilterChoice::Pades,
            SubFilterArg::Pkcs7 => SubFilterChoice::Pkcs7,
        },
        visible: visible_signature(&a.visible)?,
        certify: a.certify,
        document_password: pdf_password(a)?,
        ..SignOptions::default()
    })
}

/// The password of an encrypted input, from a file or an environment variable (never the
/// command line).
fn pdf_password(a: &SignArgs) -> Result<Option<kyso::DocumentPassword>, Fatal> {
    password_from(
        a.pdf_password_file.as_deref(),
        a.pdf_password_env.as_deref(),
    )
}

fn password_from(
    file: Option<&Path>,
    env: Option<&str>,
) -> Result<Option<kyso::DocumentPassword>, Fatal> {
    if let Some(f) = file {
        let text = String::from_utf8(read(f)?)
            .map_err(|_| Fatal(format!("{}: the password is not UTF-8", f.display())))?;
        let line = text.lines().next().unwrap_or("").to_string();
        return Ok(Some(kyso::DocumentPassword::new(line)));
    }
    if let Some(var) = env {
        let v = std::env::var(var)
            .map_err(|_| Fatal(format!("environment variable {var} is not set")))?;
        return Ok(Some(kyso::DocumentPassword::new(v)));
    }
    Ok(None)
}

/// The PAdES level options the arguments ask for; one revocation source, so that its answers
/// are cached across the files of a batch.
fn level_options(a: &SignArgs) -> Result<LevelOptions, Fatal> {
    let profile_tsa = match (&a.tsa, &a.trust_profile, a.level >= PadesLevel::BT) {
        (None, Some(name), true) => {
            let profiles = profiles(a.trust_dir.as_deref())?;
            let p = profiles.require(name)?;
            Some(p.tsa_url.clone().ok_or_else(|| {
                Fatal(format!(
                    "trust profile {name:?} names no time-stamp authority: give --tsa URL (or add one with kyso trust add {name} FILE --tsa URL)"
                ))
            })?)
        }
        _ => None,
    };
    let url = a.tsa.as_deref().or(profile_tsa.as_deref());
    let mut tsa = tsa_client(url, &a.tsa_trust, a.tsa_timeout)?;
    if let Some(t) = &mut tsa {
        t.retries = a.tsa_retries;
    }
    Ok(LevelOptions {
        level: a.level,
        tsa,
        revocation: Some(Arc::new(OnlineSource::default())),
        skip_revocation_check: a.no_revocation_check,
        extra_certificates: Vec::new(),
    })
}

/// `kyso sign … --out-dir DIR`: the signer is unlocked once, every file signed at
/// `--level` with the same options (see `batch::sign`).
fn sign_batch(a: &SignArgs, dir: &Path) -> Result<ExitCode, Fatal> {
    if a.external.prepare || a.external.finish || a.output.is_some() {
        return Err(Fatal(
            "--out-dir signs in batch: not with -o, --prepare or --finish".into(),
        ));
    }
    if a.tsa.is_some() && a.level < PadesLevel::BT {
        return Err(Fatal("--tsa needs --level B-T, B-LT or B-LTA".into()));
    }
    let opts = sign_options(a)?;
    let signer = any_signer(&a.key, &a.token, &a.csc)?;
    let lvl = level_options(a)?;
    let sign_one = |input: &[u8], o: &SignOptions| {
        kyso::sign::levels::sign(input, signer.as_ref(), o, &lvl).map(|out| out.pdf)
    };
    batch::sign(
        &a.inputs,
        &a.batch,
        dir,
        signer.as_ref(),
        &sign_one,
        opts,
        a.force,
    )
}

/// The TSA client for `--tsa`, checking the TSA's chain against `--tsa-trust` when given.
fn tsa_client(
    url: Option<&str>,
    trust: &[PathBuf],
    timeout_secs: u64,
) -> Result<Option<TsaClient>, Fatal> {
    let Some(url) = url else { return Ok(None) };
    if timeout_secs == 0 {
        return Err(Fatal("--tsa-timeout must be at least 1 second".into()));
    }
    let mut client = TsaClient::with_timeout(url, std::time::Duration::from_secs(timeout_secs));
    if !trust.is_empty() {
        let mut store = TrustStore::new();
        for c in load_certs(trust)? {
            store.add(c);
        }
        client.trust = Some(store);
    }
    Ok(Some(client))
}

fn extend(a: ExtendArgs) -> Result<ExitCode, Fatal> {
    if kyso::same_file(&a.input, &a.output) {
        return Err(Fatal(
            "the output must not be the input: kyso never modifies its input".into(),
        ));
    }
    if a.level < PadesLevel::BLT {
        return Err(Fatal("extend raises a file to B-LT or B-LTA".into()));
    }
    let input = read(&a.input)?;
    let extra = load_certs(&a.certs)?;
    if let (Some(days), PadesLevel::BLTA) = (a.renew_within, a.level) {
        if let Some(expiry) = kyso::sign::levels::archive_timestamp_expiry(&input, &extra)? {
            if expiry > kyso::time::now() + i64::from(days) * 86_400 {
                errln!(
                    "{}: not renewed: its newest document time-stamp's certificate is valid until {}",
                    a.input.display(),
                    kyso::time::format_rfc3339(expiry)
                );
                return Ok(ExitCode::SUCCESS);
            }
        }
    }
    let lvl = LevelOptions {
        level: a.level,
        tsa: tsa_client(
            a.tsa.as_deref(),
            &a.tsa_trust,
            kyso::DEFAULT_TSA_TIMEOUT.as_secs(),
        )?,
        revocation: Some(Arc::new(OnlineSource::default())),
        skip_revocation_check: true,
        extra_certificates: extra,
    };
    let out = kyso::sign::levels::extend(&input, &lvl)?;
    for n in &out.notes {
        errln!("note: {n}");
    }
    kyso::write_atomic(&a.output, &out.pdf, a.force)?;
    errln!(
        "extended {} → {} ({} bytes, PAdES {})",
        a.input.display(),
        a.output.display(),
        out.pdf.len(),
        a.level.as_str()
    );
    Ok(ExitCode::SUCCESS)
}

fn visible_signature(v: &VisibleArgs) -> Result<Option<VisibleSignature>, Fatal> {
    let wanted = v.visible
        || v.appearance.is_some()
        || v.page.is_some()
        || v.rect.is_some()
        || v.anchor.is_some()
        || v.size.is_some()
        || v.image.is_some()
        || v.text.is_some()
        || v.font_size.is_some()
        || v.org.is_some()
        || v.allow_overlap;
    if !wanted {
        return Ok(None);
    }
    let placement = match (&v.rect, &v.anchor) {
        (Some(r), _) => Placement::Rect(Rect::parse(r)?),
        (None, Some(text)) => Placement::Anchor {
            text: text.clone(),
            position: match v.anchor_position.unwrap_or(AnchorArg::Below) {
                AnchorArg::Below => AnchorPosition::Below,
                AnchorArg::Above => AnchorPosition::Above,
                AnchorArg::Left => AnchorPosition::Left,
                AnchorArg::Right => AnchorPosition::Right,
            },
        },
        (None, None) => Placement::Auto,
    };
    let size = match &v.size {
        Some(s) => {
            let parts: Vec<f64> = s
                .split(',')
                .map(|p| p.trim().parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|_| Fatal(format!("--size: cannot read {s:?} as W,H")))?;
            match parts[..] {
                [w, h] if w > 0.0 && h > 0.0 && w.is_finite() && h.is_finite() => Some((w, h)),
                _ => return Err(Fatal(format!("--size: cannot read {s:?} as W,H"))),
            }
        }
        None => None,
    };
    Ok(Some(VisibleSignature {
        page: v.page.unwrap_or(1),
        placement,
        size,
        image: v.image.as_deref().map(read).transpose()?,
        text: v.text.clone(),
        preset: v.appearance.map(|p| match p {
            AppearanceArg::Official => Preset::Official,
            AppearanceArg::Seal => Preset::Seal,
            AppearanceArg::Copy => Preset::Copy,
        }),
        font_size: v.font_size,
        allow_overlap: v.allow_overlap,
        signer_name: None,
        organization: v.org.clone(),
    }))
}

fn verify(a: VerifyArgs) -> Result<ExitCode, Fatal> {
    let mut trust = TrustStore::new();
    for c in load_certs(&a.trust)? {
        trust.add(c);
    }
    let mut extra_certificates = load_certs(&a.certs)?;
    if !a.trust_profile.is_empty() {
        let names: Vec<&str> = a.trust_profile.iter().map(String::as_str).collect();
        let (profile_trust, intermediates) =
            profiles(a.trust_dir.as_deref())?.trust_material(&names)?;
        for c in profile_trust.anchors() {
            trust.add(c.clone());
        }
        extra_certificates.extend(intermediates);
    }
    let validation_time = parse_at(a.at.as_deref())?;
    let validator = Validator::new(ValidationOptions {
        trust,
        extra_certificates,
        validation_time,
        allow_form_filling: a.allow_form_filling,
        revocation_policy: match a.revocation {
            RevocationArg::Require => RevocationPolicy::Require,
            RevocationArg::SoftFail => RevocationPolicy::SoftFail,
            RevocationArg::Off => RevocationPolicy::Off,
        },
        revocation_source: if a.offline {
            None
        } else {
            Some(Arc::new(OnlineSource::default()) as Arc<dyn kyso::revocation::RevocationSource>)
        },
        issuer_source: if a.offline {
            None
        } else {
            Some(Arc::new(AiaFetcher::default()) as Arc<dyn kyso::pki::IssuerSource>)
        },
        document_password: password_from(
            a.pdf_password_file.as_deref(),
            a.pdf_password_env.as_deref(),
        )?,
        rendering: a.rendering.check(),
    });
    let lang = report_lang(a.lang);
    if a.batch.wanted(&a.files) {
        return batch::verify(
            &a.files,
            &a.batch,
            &validator,
            matches!(a.format, Format::Json),
        );
    }
    let mut all_valid = true;
    let mut io_error = false;
    // A reader that went away (`| head`) changes nothing about the verdict: every file is
    // still validated and the exit code says whether all were valid.
    let mut stdout_closed = false;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for f in &a.files {
        let report = match validator.validate_file(f) {
            Ok(r) => r,
            Err(e) => {
                errln!("kyso: cannot read {}: {e}", f.display());
                io_error = true;
                continue;
            }
        };
        all_valid &= report.valid;
        if stdout_closed {
            continue;
        }
        let text = match a.format {
            Format::Text => kyso::report::render_text_lang(&report, lang),
            Format::Json => {
                let mut report = report;
                kyso::report::localize(&mut report, lang);
                serde_json::to_string(&report)? + "\n"
            }
        };
        if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            if output::is_broken_pipe(&e) {
                stdout_closed = true;
            } else {
                errln!("kyso: cannot write the report: {e}");
                io_error = true;
                stdout_closed = true;
            }
        }
    }
    Ok(if io_error {
        ExitCode::from(2)
    } else if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn parse_at(at: Option<&str>) -> Result<Option<i64>, Fatal> {
    match at {
        Some(t) => Ok(Some(kyso::time::parse_rfc3339(t).ok_or_else(|| {
            Fatal(format!("--at: cannot read {t:?} as RFC 3339 time"))
        })?)),
        None => Ok(None),
    }
}

/// The files of a dossier: files as given, directories' `*.pdf` files sorted by name.
fn dossier_files(args: &[PathBuf]) -> Result<Vec<PathBuf>, Fatal> {
    let mut out = Vec::new();
    for p in args {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| Fatal(format!("cannot read directory {}: {e}", p.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.is_file() && f.extension().is_some_and(|x| x.eq_ignore_ascii_case("pdf"))
                })
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(Fatal(format!(
                    "{}: no *.pdf files in the directory",
                    p.display()
                )));
            }
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn profile_file(spec: &str, flag: &str) -> Result<(String, Vec<u8>), Fatal> {
    let (name, path) = spec
        .split_once('=')
        .ok_or_else(|| Fatal(format!("{flag}: expected NAME=FILE, got {spec:?}")))?;
    Ok((name.to_string(), read(Path::new(path))?))
}

fn check(a: CheckArgs) -> Result<ExitCode, Fatal> {
    let catalog = match &a.catalog {
        Some(p) => Catalog::from_path(p)?,
        None => Catalog::example()?,
    };
    let mut profiles = Profiles::bundled();
    for spec in &a.replace_anchors {
        let (name, data) = profile_file(spec, "--replace-anchors")?;
        profiles.replace_anchors(&name, &data)?;
    }
    for spec in &a.add_anchor {
        let (name, data) = profile_file(spec, "--add-anchor")?;
        profiles.add_anchors(&name, &data)?;
    }
    let options = PolicyOptions {
        lang: match a.lang {
            LangArg::Vi => Lang::Vi,
            LangArg::En => Lang::En,
        },
        validation_time: parse_at(a.at.as_deref())?,
        allow_form_filling: a.allow_form_filling,
    };
    let policy = Policy::new(catalog, profiles).with_options(options);
    let paths = dossier_files(&a.files)?;
    let mut contents = Vec::new();
    for p in &paths {
        contents.push((p.display().to_string(), read(p)?));
    }
    let inputs: Vec<InputFile<'_>> = contents.iter().map(|(n, b)| InputFile::new(n, b)).collect();
    let report = match a.role {
        RoleArg::Submission => policy.check_submission(&a.procedure, &inputs)?,
        RoleArg::Result => policy.check_result(&a.procedure, &inputs)?,
    };
    let text = match a.format {
        Format::Text => kyso::policy::render_text(&report, a.verbose),
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    Ok(if report.is_compliant() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn serve(a: ServeArgs) -> Result<ExitCode, Fatal> {
    kyso_service::run(kyso_service::ServeOptions {
        config: a.config,
        listen: a.listen,
        trust: a.trust,
        trust_profiles: a.trust_profile,
    })?;
    Ok(ExitCode::SUCCESS)
}

fn inspect(a: InspectArgs) -> Result<ExitCode, Fatal> {
    let i = kyso::inspect::inspect_file(&a.file)
        .map_err(|e| Fatal(format!("{}: {e}", a.file.display())))?;
    let text = match a.format {
        Format::Text => kyso::inspect::render_text(&i),
        Format::Json => serde_json::to_string_pretty(&i)? + "\n",
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    Ok(ExitCode::SUCCESS)
}

/// `kyso diff`: the changes after one signature (structure and rendering) and, with
/// `--png`, pictures of the changed pages. Exit 0 when nothing changed outside the permitted
/// changes, 1 otherwise.
fn diff(a: DiffArgs) -> Result<ExitCode, Fatal> {
    let bytes: Arc<[u8]> = read(&a.file)?.into();
    let password = password_from(
        a.pdf_password_file.as_deref(),
        a.pdf_password_env.as_deref(),
    )?;
    let validator = Validator::new(ValidationOptions {
        revocation_policy: RevocationPolicy::Off,
        document_password: password.clone(),
        rendering: kyso::RenderCheck::AllPages,
        ..Default::default()
    });
    let report = validator.validate_bytes(&a.file.display().to_string(), &bytes);
    let n = report.signatures.len();
    let Some(sig) = a
        .signature
        .checked_sub(1)
        .and_then(|i| report.signatures.get(i))
    else {
        return Err(Fatal(format!(
            "{}: no signature {} (the file has {n})",
            a.file.display(),
            a.signature
        )));
    };
    let revision = sig.coverage.as_ref().and_then(|c| c.revision);
    let revisions = sig.coverage.as_ref().map(|c| c.revisions).unwrap_or(0);
    let p3 = report.signatures.iter().any(|s| {
        s.kind == kyso::SignatureKind::Certification
            && s.docmdp_level == Some(kyso::report::DocMdpLevel::Annotations)
    });
    let mut pictures = Vec::new();
    let mut picture_regions = Vec::new();
    if let (Some(dir), Some(rev)) = (&a.png, revision) {
        if rev < revisions {
            let pages = kyso::render::pictures_after(bytes.clone(), rev, password.as_ref(), p3)
                .map_err(|e| Fatal(format!("{}: {e}", a.file.display())))?;
            std::fs::create_dir_all(dir)
                .map_err(|e| Fatal(format!("cannot create {}: {e}", dir.display())))?;
            for p in pages {
                let path = dir.join(format!("page-{}.png", p.page));
                kyso::write_atomic(&path, &p.png, a.force)?;
                pictures.push(path.display().to_string());
                picture_regions.extend(p.regions);
            }
        }
    }
    let rendering = sig.rendering.as_ref();
    let regions: Vec<&kyso::ChangedRegion> = if picture_regions.is_empty() {
        rendering
            .map(|r| r.regions.iter().collect())
            .unwrap_or_default()
    } else {
        picture_regions.iter().collect()
    };
    let outside = regions.iter().any(|r| !r.permitted) || sig.changes.iter().any(|c| !c.allowed);
    match a.format {
        Format::Json => {
            let v = serde_json::json!({
                "file": a.file.display().to_string(),
                "signature": a.signature,
                "field": sig.field,
                "revision": revision,
                "revisions": revisions,
                "indication": sig.indication,
                "changes": sig.changes,
                "rendering": rendering,
                "regions": regions,
                "pictures": pictures,
            });
            outln!("{}", serde_json::to_string_pretty(&v)?);
        }
        Format::Text => {
            outln!(
                "{}: signature {} ({}) covers revision {} of {revisions}",
                a.file.display(),
                a.signature,
                sig.field,
                revision
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "?".into()),
            );
            if sig.changes.is_empty() {
                outln!("  no changes after this signature");
            }
            for c in &sig.changes {
                outln!(
                    "  revision {}: {} [{}] {}",
                    c.revision,
                    c.description,
                    if c.allowed { "allowed" } else { "NOT ALLOWED" },
                    c.reason
                );
            }
            if let Some(r) = rendering {
                outln!("  rendering: {}", r.reason);
            }
            for g in &regions {
                outln!(
                    "  page {}: changed at [{} {} {} {}]{}",
                    g.page,
                    g.rect[0],
                    g.rect[1],
                    g.rect[2],
                    g.rect[3],
                    if g.permitted {
                        " (permitted)"
                    } else {
                        " OUTSIDE THE PERMITTED CHANGES"
                    }
                );
            }
            for p in &pictures {
                outln!("  wrote {p}");
            }
        }
    }
    Ok(if outside {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The report language: `--lang`, else `$KYSO_LANG`, else Vietnamese when `$LANG` starts
/// with `vi`, else English.
fn report_lang(arg: Option<LangArg>) -> Lang {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    lang_from(
        arg,
        env("KYSO_LANG").as_deref(),
        env("LC_ALL").or_else(|| env("LANG")).as_deref(),
    )
}

fn lang_from(arg: Option<LangArg>, kyso_lang: Option<&str>, lang: Option<&str>) -> Lang {
    match arg {
        Some(LangArg::Vi) => return Lang::Vi,
        Some(LangArg::En) => return Lang::En,
        None => {}
    }
    if let Some(l) = kyso_lang.and_then(|v| v.parse::<Lang>().ok()) {
        return l;
    }
    if lang.is_some_and(|v| v.to_ascii_lowercase().starts_with("vi")) {
        Lang::Vi
    } else {
        Lang::En
    }
}

/// The user's trust-profile directory: `--trust-dir`, else `$KYSO_TRUST_DIR`.
fn trust_dir(arg: Option<&Path>) -> Option<PathBuf> {
    arg.map(Path::to_path_buf).or_else(|| {
        std::env::var_os("KYSO_TRUST_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
}

/// The bundled profiles and the user's.
fn profiles(arg: Option<&Path>) -> Result<Profiles, Fatal> {
    Ok(match trust_dir(arg) {
        Some(dir) => Profiles::load_dir(&dir)?,
        None => Profiles::bundled(),
    })
}

fn trust(a: TrustArgs) -> Result<ExitCode, Fatal> {
    let dir = trust_dir(a.trust_dir.as_deref());
    let profiles = || profiles(a.trust_dir.as_deref());
    let mut out = String::new();
    match a.command {
        TrustCommand::List => {
            for p in profiles()?.iter() {
                out.push_str(&format!(
                    "{}\t{} anchor(s), {} intermediate(s){}\t{}\n",
                    p.name,
                    p.anchors_der().len(),
                    p.intermediates_der().len(),
                    p.tsa_url
                        .as_deref()
                        .map(|u| format!(", TSA {u}"))
                        .unwrap_or_default(),
                    p.description
                ));
            }
        }
        TrustCommand::Show { name } => {
            let all = profiles()?;
            let p = all.require(&name)?;
            out.push_str(&format!("{}: {}\n", p.name, p.description));
            if let Some(u) = &p.tsa_url {
                out.push_str(&format!("  time-stamp authority: {u}\n"));
            }
            for (what, certs) in [
                ("anchor", p.anchors()?),
                ("intermediate", p.intermediates()?),
            ] {
                for c in certs {
                    out.push_str(&format!(
                        "  {what}: {}\n    issuer:  {}\n    valid:   {} → {}\n    SHA-256: {}\n",
                        c.subject(),
                        c.issuer(),
                        kyso::time::format_rfc3339(c.not_before()),
                        kyso::time::format_rfc3339(c.not_after()),
                        c.fingerprint()
                    ));
                }
            }
        }
        TrustCommand::Export { name, output } => {
            let all = profiles()?;
            let pem = all.require(&name)?.to_pem();
            match output {
                Some(path) => {
                    kyso::write_atomic(&path, pem.as_bytes(), true)?;
                    eprintln!("wrote {}", path.display());
                }
                None => out = pem,
            }
        }
        TrustCommand::Add { name, file, tsa } => {
            let dir = dir.ok_or_else(|| {
                Fatal("kyso trust add needs --trust-dir DIR or $KYSO_TRUST_DIR".into())
            })?;
            let data = read(&file)?;
            let (path, p) = kyso::policy::add_to_profile_dir(&dir, &name, &data, tsa.as_deref())?;
            eprintln!(
                "{}: profile {} now has {} anchor(s) and {} intermediate(s)",
                path.display(),
                p.name,
                p.anchors_der().len(),
                p.intermediates_der().len()
            );
        }
    }
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod lang_tests {
    use super::*;

    #[test]
    fn the_report_language_follows_the_flag_then_kyso_lang_then_lang() {
        assert_eq!(
            lang_from(Some(LangArg::En), Some("vi"), Some("vi_VN")),
            Lang::En
        );
        assert_eq!(lang_from(Some(LangArg::Vi), None, None), Lang::Vi);
        assert_eq!(lang_from(None, Some("vi"), Some("en_US.UTF-8")), Lang::Vi);
        assert_eq!(lang_from(None, Some("en"), Some("vi_VN.UTF-8")), Lang::En);
        assert_eq!(lang_from(None, None, Some("vi_VN.UTF-8")), Lang::Vi);
        assert_eq!(lang_from(None, Some("xx"), Some("C.UTF-8")), Lang::En);
        assert_eq!(lang_from(None, None, None), Lang::En);
    }
}
