"""Verification from Python: reports, the CLI's JSON, threads."""

import json
from datetime import datetime, timezone
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import kyso
from conftest import cli_json

# One validation time for the CLI and Python, so `validation_time` and time-dependent checks
# agree: now, to the second (after the material was signed, within its certificates' lives).
AT = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def small_files(material: Path) -> list:
    return sorted((material / "small").glob("*.pdf"))


@pytest.fixture(scope="module")
def validator(material: Path) -> kyso.Validator:
    return kyso.Validator(trust=[material / "root.pem"], offline=True)


def test_a_valid_file_gives_a_valid_report(validator, material):
    r = validator.verify(material / "small" / "valid-0.pdf")
    assert isinstance(r, kyso.Report)
    assert r.valid and bool(r)
    assert r.indication == "TOTAL-PASSED"
    assert r.sub_indication is None
    assert r.file == str(material / "small" / "valid-0.pdf")
    assert r.schema_version == 1
    assert len(r.signatures) == 1
    sig = r.signatures[0]
    assert sig.valid and sig.indication == "TOTAL-PASSED"
    assert "Nguyễn Văn An" in sig.signer["subject"]
    assert sig.checks and all(c.status in ("passed", "warning") for c in sig.checks), [
        (c.id, c.status) for c in sig.checks
    ]
    assert any(c.id == "message-digest" for c in sig.checks)
    assert r.size == (material / "small" / "valid-0.pdf").stat().st_size
    assert r.ms > 0


def test_bytes_and_paths_give_the_same_verdict(validator, material):
    p = material / "small" / "valid-ecdsa.pdf"
    data = p.read_bytes()
    by_path = validator.verify(str(p))
    for doc in (data, bytearray(data), memoryview(data)):
        r = validator.verify(doc, name="x.pdf")
        assert r.file == "x.pdf"
        assert r.valid == by_path.valid is True
    assert validator.verify(data).file == "<bytes>"


def test_a_tampered_file_is_a_report_not_an_exception(validator, material):
    r = validator.verify(material / "small" / "tampered.pdf")
    assert not r.valid and not bool(r)
    assert r.indication == "TOTAL-FAILED"
    assert r.sub_indication == "HASH_FAILURE"
    failed = [c for c in r.signatures[0].checks if c.status == "failed"]
    assert failed and failed[0].sub_indication == "HASH_FAILURE"
    rec = r.to_record()
    assert rec["status"] == "invalid" and rec["reason"] == "HASH_FAILURE"


def test_a_file_signed_under_another_root_is_not_valid(validator, material):
    r = validator.verify(material / "small" / "wrong-trust.pdf")
    assert not r.valid
    assert r.indication == "INDETERMINATE"
    # The same file with its own root trusted is valid: the verdict follows the trust.
    other = kyso.Validator(trust=[(material / "other-root.pem").read_bytes()], offline=True)
    assert other.verify(material / "small" / "wrong-trust.pdf").valid


def test_not_a_pdf_and_unsigned(validator, material):
    r = validator.verify(material / "small" / "not-a-pdf.pdf")
    assert not r.valid and r.signatures == []
    assert r.findings and r.findings[0].id == "not-a-pdf"
    u = validator.verify(material / "small" / "unsigned.pdf")
    assert not u.valid and u.indication == "INDETERMINATE" and u.signatures == []
    assert u.to_record()["reason"] == "no-signatures"


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_to_dict_is_the_cli_json(material, kyso_bin, lang):
    """Every field of `kyso verify --format json` on the same file, except none: both
    validate at the same fixed time, offline, so nothing legitimately differs."""
    v = kyso.Validator(trust=[material / "root.pem"], offline=True, at=AT, lang=lang)
    files = small_files(material)
    assert len(files) >= 7
    for f in files:
        expected = cli_json(
            kyso_bin, f, "--trust", str(material / "root.pem"), "--offline", "--at", AT, "--lang", lang
        )
        r = v.verify(f)
        assert r.to_dict() == expected, f
        assert json.loads(r.to_json()) == expected
        assert json.loads(r.to_json(indent=2)) == expected
        assert r.validation_time == expected["validation_time"]


def test_per_call_time_equals_the_cli_at_that_time(validator, material, kyso_bin):
    f = material / "small" / "valid-1.pdf"
    expected = cli_json(kyso_bin, f, "--trust", str(material / "root.pem"), "--offline", "--at", AT)
    assert validator.verify(f, at=AT).to_dict() == expected
    dt = datetime.strptime(AT, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert validator.verify(f, at=dt).validation_time == expected["validation_time"]
    # Before the signer's certificate existed: not valid.
    early = validator.verify(f, at="2000-01-01T00:00:00Z")
    assert not early.valid


def test_records_are_the_batch_report_columns(validator, material, kyso_bin, tmp_path):
    from conftest import run_cli

    report = tmp_path / "report.jsonl"
    out = run_cli(
        kyso_bin, "verify", "--offline", "--trust", str(material / "root.pem"), "--jobs", "1",
        "--report", str(report), str(material / "small"),
    )
    assert out.returncode == 1, out.stderr
    cli = {json.loads(l)["file"]: json.loads(l) for l in report.read_text().splitlines()}
    assert len(cli) == len(small_files(material))
    for name, expected in cli.items():
        got = validator.verify_record(name)
        # `ms` is the time spent: the only column that legitimately differs.
        assert got.pop("ms") >= 0 and expected.pop("ms") >= 0
        assert got == expected, name
    # A file that cannot be read is an `error` record, as in a batch.
    missing = validator.verify_record(material / "small" / "no-such.pdf")
    assert missing["status"] == "error" and missing["reason"] == "io-error"


def test_threads_verify_in_parallel_with_identical_results(validator, material):
    files = small_files(material) * 20
    serial = [validator.verify(f).to_dict() for f in files]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda f: validator.verify(f).to_dict(), files))
    assert parallel == serial
    # And with bytes, sharing one validator's caches across threads.
    blobs = [f.read_bytes() for f in files]
    with ThreadPoolExecutor(max_workers=4) as pool:
        verdicts = list(pool.map(lambda b: validator.verify(b).indication, blobs))
    assert verdicts == [d["indication"] for d in serial]


def test_the_gil_is_released_while_verifying(validator, material):
    """Another Python thread runs while verify() works. With a switch interval of 1000 s the
    main thread never hands the GIL over on its own: the counter thread can only tick inside
    a verify() call if the call releases the GIL."""
    import sys
    import threading
    import time

    data = (material / "archive" / "large-0.pdf").read_bytes()
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0)  # releases the GIL for the main thread to take it back

    old = sys.getswitchinterval()
    sys.setswitchinterval(1000)
    t = threading.Thread(target=count)
    t.start()
    try:
        spans = []
        for _ in range(20):
            a = time.perf_counter()
            validator.verify(data)
            spans.append((a, time.perf_counter()))
    finally:
        stop.set()
        t.join()
        sys.setswitchinterval(old)
    inside = sum(1 for x in ticks for a, b in spans if a < x < b)
    assert inside > 0, (len(ticks), spans[:3])


def test_bad_arguments_and_files_raise(material):
    with pytest.raises(FileNotFoundError):
        kyso.Validator(trust=[material / "nope.pem"])
    with pytest.raises(kyso.CertificateError):
        kyso.Validator(trust=[b"not a certificate"])
    with pytest.raises(kyso.ProfileError):
        kyso.Validator(profiles=["no-such-profile"])
    with pytest.raises(ValueError):
        kyso.Validator(revocation="sometimes")
    with pytest.raises(ValueError):
        kyso.Validator(at="yesterday")
    with pytest.raises(ValueError):
        kyso.Validator(lang="fr")
    v = kyso.Validator(offline=True)
    with pytest.raises(FileNotFoundError) as e:
        v.verify(material / "small" / "no-such.pdf")
    assert "no-such.pdf" in str(e.value.filename)
    with pytest.raises(TypeError):
        v.verify(12345)
    assert issubclass(kyso.ProfileError, kyso.PolicyError)
    assert issubclass(kyso.PolicyError, kyso.KysoError)
    assert issubclass(kyso.CertificateError, kyso.KysoError)


def test_bundled_profiles_load(material):
    v = kyso.Validator(profiles=["vn-gov", "vn-public"], offline=True)
    assert v.anchors >= 2
    # Our test files do not chain to Vietnam's roots.
    assert not v.verify(material / "small" / "valid-0.pdf").valid
