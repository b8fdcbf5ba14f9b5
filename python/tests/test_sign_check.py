"""Signing (one call and two-phase), dossier checks, and the exceptions."""

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

import kyso
from conftest import run_cli

AT = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def validator(material: Path) -> kyso.Validator:
    return kyso.Validator(trust=[material / "root.pem"], offline=True)


@pytest.fixture(scope="module")
def signer(material: Path, p12_password: str) -> kyso.Signer:
    return kyso.Signer.from_pkcs12(material / "signer.p12", p12_password)


def test_sign_then_verify_round_trip(signer, validator, material):
    unsigned = (material / "unsigned.pdf").read_bytes()
    signed = kyso.sign(unsigned, signer, reason="Phê duyệt", location="Vĩnh Long",
                       revocation_check=False)
    assert isinstance(signed, bytes)
    assert signed.startswith(unsigned)  # an incremental update: the input is kept as is
    r = validator.verify(signed)
    assert r.valid, r.to_text()
    sig = r.signatures[0]
    assert sig.reason == "Phê duyệt" and sig.location == "Vĩnh Long"
    assert sig.pades_level == "B-B"
    assert "Nguyễn Văn An" in signer.subject
    # A second signature over the first (a path as input this time), by a PEM signer with
    # the classic subfilter.
    pem = kyso.Signer.from_pem(material / "signer.key.pem", material / "signer.cert.pem",
                               material / "chain.pem", digest="sha384")
    path = material / "once.pdf"
    path.write_bytes(signed)
    twice = kyso.sign(path, pem, field="Second", subfilter="pkcs7", revocation_check=False)
    r2 = validator.verify(twice)
    assert r2.valid, r2.to_text()
    assert [s.field for s in r2.signatures] == ["Signature1", "Second"]
    assert r2.signatures[1].sub_filter == "adbe.pkcs7.detached"
    assert r2.signatures[1].digest_algorithm.lower().replace("-", "") == "sha384"


def test_the_cli_accepts_what_python_signed(signer, material, kyso_bin, tmp_path):
    out = tmp_path / "py-signed.pdf"
    out.write_bytes(kyso.sign(material / "unsigned.pdf", signer, revocation_check=False))
    res = run_cli(kyso_bin, "verify", "--offline", "--trust", str(material / "root.pem"), str(out))
    assert res.returncode == 0, res.stdout + res.stderr


def test_two_phase_signing_with_an_outside_key(validator, material):
    """The key signs outside kyso (here: the `cryptography` package, as a remote service
    would): prepare, sign the signed attributes, finish."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    key = serialization.load_pem_private_key((material / "signer.key.pem").read_bytes(), None)
    prepared = kyso.prepare(material / "unsigned.pdf", material / "signer.cert.pem",
                            chain=[material / "chain.pem"], reason="remote")
    assert prepared.digest_algorithm.lower().replace("-", "") == "sha256"
    assert len(prepared.digest) == 32
    signature = key.sign(prepared.signed_attributes, padding.PKCS1v15(), hashes.SHA256())
    # Phase 2 from the Prepared object, and from the saved PDF and state (another process).
    signed = kyso.finish(prepared, signature)
    again = kyso.finish(prepared.pdf, signature.hex(), state=prepared.state)
    for doc in (signed, again):
        r = validator.verify(doc)
        assert r.valid, r.to_text()
        assert r.signatures[0].reason == "remote"
    # A signature by another key is refused at finish, not embedded.
    other = serialization.load_pem_private_key((material / "expired.key.pem").read_bytes(), None)
    bad = other.sign(prepared.signed_attributes, padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(kyso.SignError):
        kyso.finish(prepared, bad)
    # A state that is not one.
    with pytest.raises(kyso.DocumentError):
        kyso.finish(prepared.pdf, signature, state="{}")
    json.loads(prepared.state)


def test_signing_errors_are_kyso_errors(signer, material, p12_password):
    with pytest.raises(kyso.SigningKeyError):
        kyso.Signer.from_pkcs12(material / "signer.p12", p12_password + "x")
    with pytest.raises(kyso.SigningKeyError):
        # The key does not match the certificate.
        kyso.Signer.from_pem(material / "expired.key.pem", material / "signer.cert.pem")
    expired = kyso.Signer.from_pem(material / "expired.key.pem", material / "expired.cert.pem")
    with pytest.raises(kyso.SignerCertificateError):
        kyso.sign(material / "unsigned.pdf", expired, revocation_check=False)
    with pytest.raises(kyso.DocumentError):
        kyso.sign(b"not a pdf", signer, revocation_check=False)
    with pytest.raises(kyso.DocumentError):
        kyso.sign(material / "unsigned.pdf", signer, level="B-T", revocation_check=False)
    with pytest.raises(kyso.SigningKeyError):
        kyso.Signer.from_pkcs11(material / "no-such-module.so", pin="1234")
    with pytest.raises(ValueError):
        kyso.sign(material / "unsigned.pdf", signer, level="B-X")
    with pytest.raises(ValueError):
        kyso.sign(material / "unsigned.pdf", signer, tsa="http://127.0.0.1:9/")
    with pytest.raises(FileNotFoundError):
        kyso.sign(material / "missing.pdf", signer)
    for cls in (kyso.SigningKeyError, kyso.SignerCertificateError, kyso.DocumentError,
                kyso.TimestampError):
        assert issubclass(cls, kyso.SignError) and issubclass(cls, kyso.KysoError)


def test_check_equals_the_cli(material, kyso_bin):
    """`kyso.check` gives the JSON of `kyso check --format json` on the same dossier."""
    dossier = [str(material / "small" / "valid-0.pdf")]
    for lang in ("vi", "en"):
        res = run_cli(kyso_bin, "check", *dossier, "--procedure", "1.014159",
                      "--role", "submission", "--add-anchor", f"vn-public={material / 'root.pem'}",
                      "--format", "json", "--at", AT, "--lang", lang)
        assert res.returncode in (0, 1), res.stderr
        expected = json.loads(res.stdout)
        got = kyso.check(dossier, "1.014159", "submission", lang=lang, at=AT,
                         add_anchors={"vn-public": [material / "root.pem"]})
        assert got.to_dict() == expected
        assert got.compliant == (res.returncode == 0)
        assert bool(got) == got.compliant
        assert isinstance(got.to_text(), str) and got.to_text()
    # Without the test root in the profile the signer is not trusted: not compliant.
    plain = kyso.check(dossier, "1.014159", "submission", lang="en", at=AT)
    assert not plain.compliant and plain.failed_rules
    # Bytes and (name, bytes) pairs work as files.
    data = (material / "small" / "valid-0.pdf").read_bytes()
    named = kyso.check([("don-de-nghi.pdf", data)], "1.014159", "submission", at=AT,
                       add_anchors={"vn-public": (material / "root.pem").read_bytes()})
    assert isinstance(named.to_json(), str)


def test_check_errors(material):
    f = [material / "small" / "valid-0.pdf"]
    with pytest.raises(kyso.ProcedureError):
        kyso.check(f, "9.999999", "submission")
    with pytest.raises(kyso.ProcedureError):
        kyso.check(f, "not a code", "submission")
    with pytest.raises(kyso.CatalogError):
        kyso.check(f, "1.014159", "submission", catalog=b"this is [not toml")
    with pytest.raises(ValueError):
        kyso.check(f, "1.014159", "appeal")
    with pytest.raises(kyso.PolicyError):
        kyso.check([], "1.014159", "submission")
