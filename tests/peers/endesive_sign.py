"""Signs a PDF with endesive (PyPI), as kyso's interop tests need.

usage: endesive_sign.py IN OUT KEY.p12 P12-PASSFILE
endesive appends its own incremental update with an adbe.pkcs7.detached signature.
"""
import re
import sys

from cryptography.hazmat.primitives.serialization import pkcs12

# endesive imports oscrypto 1.3.0, whose OpenSSL version detection cannot read a two-digit
# patch number ("OpenSSL 3.0.19"; fixed upstream, not released). Widen that one pattern while
# importing; signing does not use oscrypto.
_search = re.search


def _widened(pattern, string, flags=0):
    if pattern == "\\b(\\d\\.\\d\\.\\d[a-z]*)\\b":
        pattern = "\\b(\\d\\.\\d\\.\\d+[a-z]*)\\b"
    return _search(pattern, string, flags)


re.search = _widened
try:
    from endesive.pdf import cms
finally:
    re.search = _search

inp, out, p12_path, passfile = sys.argv[1:5]
with open(passfile, "rb") as f:
    passphrase = f.read().strip()
with open(p12_path, "rb") as f:
    key, cert, chain = pkcs12.load_key_and_certificates(f.read(), passphrase)
dct = {
    "aligned": 0,
    "sigflags": 3,
    "sigpage": 0,
    "sigfield": "Signature1",
    "auto_sigfield": True,
    "contact": "interop@kyso.test",
    "location": "Ha Noi",
    "signingdate": "D:20261203120000+00'00'",
    "reason": "kyso interop",
}
with open(inp, "rb") as f:
    data = f.read()
signed = cms.sign(data, dct, key, cert, chain or [], "sha256")
with open(out, "wb") as f:
    f.write(data + signed)
