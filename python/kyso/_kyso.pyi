"""Type stubs of kyso's extension module (re-exported by the `kyso` package)."""

import os
from datetime import datetime
from typing import Any, Dict, Iterable, List, Literal, Mapping, Optional, Sequence, Tuple, Union

__version__: str

PathLike = Union[str, "os.PathLike[str]"]
Data = Union[bytes, bytearray, memoryview]
Source = Union[Data, PathLike]
Time = Union[datetime, str, int, float]
Revocation = Literal["require", "soft-fail", "off"]
Lang = Literal["en", "vi"]
Digest = Literal["sha256", "sha384", "sha512"]
Level = Literal["B-B", "B-T", "B-LT", "B-LTA"]

class KysoError(Exception):
    """Base class of kyso's errors. A document that is not valid is a Report, not an error."""

class CertificateError(KysoError):
    """A certificate (trust anchor, chain, signer) that cannot be read."""

class SignError(KysoError):
    """Signing failed; nothing was produced."""

class SigningKeyError(SignError):
    """The signer's key or certificate cannot be loaded or used (password, mismatch, token)."""

class SignerCertificateError(SignError):
    """The signer's certificate may not sign now (expired, not yet valid, key usage)."""

class DocumentError(SignError):
    """The document cannot be signed as asked (not a PDF, field signed, bad state)."""

class TimestampError(SignError):
    """Time-stamping failed."""

class PolicyError(KysoError):
    """A dossier check could not be made."""

class CatalogError(PolicyError):
    """The procedure catalog is malformed."""

class ProfileError(PolicyError):
    """A trust profile is unknown or unusable."""

class ProcedureError(PolicyError):
    """The procedure code is malformed, unknown, or has no rules for the role."""

class Check:
    """A check of a signature (or a finding of a file)."""

    id: str
    status: Literal["passed", "warning", "indeterminate", "failed", "not_run"]
    message: str
    sub_indication: Optional[str]
    def to_dict(self) -> Dict[str, Any]: ...
    def __getattr__(self, name: str) -> Any: ...

class Signature:
    """One signature or document time-stamp of a report (its fields in the JSON report)."""

    field: str
    kind: str
    indication: str
    sub_indication: Optional[str]
    valid: bool
    sub_filter: Optional[str]
    signer: Optional[Dict[str, Any]]
    chain: List[str]
    chain_sha256: List[str]
    pades_level: Optional[str]
    timestamped: bool
    claimed_signing_time: Optional[str]
    proven_signing_time: Optional[str]
    digest_algorithm: Optional[str]
    signature_algorithm: Optional[str]
    reason: Optional[str]
    location: Optional[str]
    contact_info: Optional[str]
    name: Optional[str]
    coverage: Optional[Dict[str, Any]]
    changes: List[Dict[str, Any]]
    checks: List[Check]
    def to_dict(self) -> Dict[str, Any]: ...
    def __getattr__(self, name: str) -> Any: ...

class Report:
    """The report on one file: the fields of `kyso verify --format json` as attributes.

    >>> r = kyso.Validator(trust=["root.pem"], offline=True).verify("signed.pdf")
    >>> r.valid, r.indication, r.sub_indication
    (True, 'TOTAL-PASSED', None)
    """

    schema_version: int
    file: str
    valid: bool
    indication: Literal["TOTAL-PASSED", "TOTAL-FAILED", "INDETERMINATE"]
    sub_indication: Optional[str]
    summary: str
    validation_time: str
    revisions: int
    revocation_policy: str
    offline: bool
    signatures: List[Signature]
    findings: List[Check]
    size: int
    """Size of the input in bytes."""
    ms: float
    """Time spent validating, in milliseconds."""
    def to_dict(self) -> Dict[str, Any]:
        """Exactly the JSON object of `kyso verify --format json`."""
    def to_json(self, indent: Optional[int] = None) -> str: ...
    def to_text(self) -> str:
        """The report for people, as `kyso verify` prints it."""
    def to_record(self) -> Dict[str, Any]:
        """The line of `kyso verify --report` for this file (batch report columns)."""
    def __bool__(self) -> bool: ...
    def __getattr__(self, name: str) -> Any: ...

class Validator:
    """Verifies PDFs. Make one and reuse it (across calls and threads): it keeps kyso's
    certificate and path caches.

    >>> v = kyso.Validator(trust=["root.pem"], profiles=["vn-gov"], offline=True)
    >>> v.verify("signed.pdf").valid
    True
    """

    def __init__(
        self,
        trust: Optional[Union[Source, Iterable[Source]]] = None,
        *,
        profiles: Optional[Sequence[str]] = None,
        certs: Optional[Union[Source, Iterable[Source]]] = None,
        revocation: Revocation = "soft-fail",
        offline: bool = False,
        at: Optional[Time] = None,
        allow_form_filling: bool = False,
        trust_dir: Optional[PathLike] = None,
        lang: Lang = "en",
        password: Optional[str] = None,
        rendering: Literal["changed", "all", "off"] = "changed",
    ) -> None:
        """`password` opens encrypted documents that the empty password does not (user or
        owner password); never logged. `rendering`: the rendering backstop of modification
        analysis (render the pages whose content changed after a signature; every page;
        never)."""
    def verify(self, document: Source, *, at: Optional[Time] = None, name: Optional[str] = None) -> Report:
        """Verifies bytes or a file; releases the GIL. Raises OSError only if the path
        cannot be read."""
    def verify_record(
        self, document: Source, *, at: Optional[Time] = None, name: Optional[str] = None
    ) -> Dict[str, Any]:
        """The `kyso verify --report` line of a document (status `error` if unreadable)."""
    @property
    def at(self) -> Optional[str]: ...
    @property
    def anchors(self) -> int: ...

class Signer:
    """A signing key with its certificate chain."""

    @staticmethod
    def from_pkcs12(p12: Source, password: str, *, digest: Digest = "sha256", pss: bool = False) -> "Signer": ...
    @staticmethod
    def from_pem(
        key: Source, cert: Source, chain: Optional[Source] = None, *, digest: Digest = "sha256", pss: bool = False
    ) -> "Signer": ...
    @staticmethod
    def from_pkcs11(
        module: PathLike,
        *,
        pin: Optional[str] = None,
        token_label: Optional[str] = None,
        slot: Optional[int] = None,
        key_label: Optional[str] = None,
        key_id: Optional[Union[str, bytes]] = None,
        chain: Optional[Union[Source, Iterable[Source]]] = None,
        digest: Digest = "sha256",
        pss: bool = False,
    ) -> "Signer": ...
    @property
    def subject(self) -> str: ...
    @property
    def certificate(self) -> bytes:
        """The signer's certificate, DER."""

def sign(
    document: Source,
    signer: Signer,
    *,
    level: Level = "B-B",
    tsa: Optional[str] = None,
    tsa_trust: Optional[Union[Source, Iterable[Source]]] = None,
    tsa_timeout: float = 60.0,
    field: Optional[str] = None,
    reason: Optional[str] = None,
    location: Optional[str] = None,
    contact_info: Optional[str] = None,
    name: Optional[str] = None,
    subfilter: Literal["pades", "pkcs7"] = "pades",
    certify: Optional[Literal[1, 2, 3]] = None,
    signing_time: Optional[Time] = None,
    revocation_check: bool = True,
) -> bytes:
    """Signs a PDF and returns the signed bytes (an incremental update of the input)."""

class Prepared:
    """Phase 1 of two-phase signing: the prepared PDF and what to sign."""

    pdf: bytes
    state: str
    digest: bytes
    signed_attributes: bytes
    digest_algorithm: str
    scheme: str

def prepare(
    document: Source,
    certificate: Source,
    *,
    chain: Optional[Union[Source, Iterable[Source]]] = None,
    digest: Digest = "sha256",
    pss: bool = False,
    reserve: int = 0,
    field: Optional[str] = None,
    reason: Optional[str] = None,
    location: Optional[str] = None,
    contact_info: Optional[str] = None,
    name: Optional[str] = None,
    subfilter: Literal["pades", "pkcs7"] = "pades",
    certify: Optional[Literal[1, 2, 3]] = None,
    signing_time: Optional[Time] = None,
) -> Prepared: ...
def finish(prepared: Union[Prepared, Source], signature: Union[Data, str, "os.PathLike[str]"], state: Optional[Union[str, bytes]] = None) -> bytes:
    """Phase 2: embeds the signature (raw, hex, base64, PEM or a whole CMS)."""

class PolicyReport:
    """A dossier check: the fields of `kyso check --format json` as attributes."""

    compliant: bool
    failed_rules: List[str]
    def to_dict(self) -> Dict[str, Any]: ...
    def to_json(self, indent: Optional[int] = None) -> str: ...
    def to_text(self, verbose: bool = False) -> str: ...
    def __bool__(self) -> bool: ...
    def __getattr__(self, name: str) -> Any: ...

def check(
    files: Union[Source, Iterable[Union[Source, Tuple[str, Data]]]],
    procedure: str,
    role: Literal["submission", "result"],
    *,
    catalog: Optional[Source] = None,
    lang: Lang = "vi",
    at: Optional[Time] = None,
    allow_form_filling: bool = False,
    add_anchors: Optional[Mapping[str, Union[Source, Iterable[Source]]]] = None,
    replace_anchors: Optional[Mapping[str, Union[Source, Iterable[Source]]]] = None,
) -> PolicyReport:
    """Checks a dossier against a procedure of a catalog (the bundled example by default)."""
