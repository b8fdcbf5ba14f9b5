"""Verifies every signature of a PDF with endesive (PyPI), as kyso's interop tests need.

usage: endesive_verify.py FILE ROOT.pem [INTERMEDIATE.pem ...]
Prints one line per signature "hash=<bool> signature=<bool> cert=<bool>"; exits 1 unless
every signature has all three.
"""
import re
import sys

_search = re.search


def _widened(pattern, string, flags=0):
    # See endesive_sign.py: oscrypto 1.3.0 and "OpenSSL 3.0.19".
    if pattern == "\\b(\\d\\.\\d\\.\\d[a-z]*)\\b":
        pattern = "\\b(\\d\\.\\d\\.\\d+[a-z]*)\\b"
    return _search(pattern, string, flags)


re.search = _widened
try:
    from endesive.pdf.verify import PDFVerifier
finally:
    re.search = _search

path, *certs = sys.argv[1:]
trusted = []
for c in certs:
    with open(c, "rb") as f:
        trusted.append(f.read())
with open(path, "rb") as f:
    data = f.read()
v = PDFVerifier(data, trusted)
results = v.verify_all_signatures()  # verify() checks the last signature only
remaining = v.get_remaining_data()
ok = bool(results) and remaining is None
if remaining is not None:
    print(f"unsigned bytes after the last signature: {remaining}")
for r in results:
    print(f"hash={r.hashok} signature={r.signatureok} cert={r.certok}")
    ok = ok and bool(r.hashok and r.signatureok and r.certok)
sys.exit(0 if ok else 1)
