"""kyso: sign and verify PDF documents with PKI certificates (PAdES), from Python.

The work is done by kyso's Rust library (the ``kyso._kyso`` extension module); slow calls
release the GIL, so threads verify in parallel.

Verify::

    >>> import kyso
    >>> validator = kyso.Validator(trust=["root.pem"], offline=True)   # reuse it
    >>> report = validator.verify("signed.pdf")        # or verify(pdf_bytes)
    >>> report.valid, report.indication, report.sub_indication
    (True, 'TOTAL-PASSED', None)
    >>> report.signatures[0].signer["subject"]
    'C=VN, ..., CN=Nguyễn Văn An'
    >>> report.to_dict() == json.loads(report.to_json())  # the schema of `kyso verify --format json`
    True

A document that is not valid is a :class:`Report` whose ``valid`` is False, never an
exception; exceptions (subclasses of :class:`KysoError`, or ``OSError`` for files that cannot
be read, ``ValueError``/``TypeError`` for bad arguments) mean the question could not be asked.

Sign::

    >>> signer = kyso.Signer.from_pkcs12("signer.p12", "password")
    >>> signed = kyso.sign(open("in.pdf", "rb").read(), signer, reason="Approved")

Two-phase signing (the key is elsewhere)::

    >>> prepared = kyso.prepare(pdf, certificate="signer.pem", chain=["ca.pem"])
    >>> signature = remote_service.sign(prepared.signed_attributes)   # or prepared.digest
    >>> signed = kyso.finish(prepared, signature)

Check a dossier against a procedure::

    >>> result = kyso.check(["decision.pdf"], procedure="2.001098", role="result", lang="en")
    >>> result.compliant, result.failed_rules
"""

from ._kyso import (
    CatalogError,
    CertificateError,
    Check,
    DocumentError,
    KysoError,
    PolicyError,
    PolicyReport,
    Prepared,
    ProcedureError,
    ProfileError,
    Report,
    Signature,
    SignError,
    Signer,
    SignerCertificateError,
    SigningKeyError,
    TimestampError,
    Validator,
    __version__,
    check,
    finish,
    prepare,
    sign,
)

__all__ = [
    "CatalogError",
    "CertificateError",
    "Check",
    "DocumentError",
    "KysoError",
    "PolicyError",
    "PolicyReport",
    "Prepared",
    "ProcedureError",
    "ProfileError",
    "Report",
    "Signature",
    "SignError",
    "Signer",
    "SignerCertificateError",
    "SigningKeyError",
    "TimestampError",
    "Validator",
    "__version__",
    "check",
    "finish",
    "prepare",
    "sign",
]
