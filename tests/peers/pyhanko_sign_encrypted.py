"""Signs a (possibly encrypted) PDF with pyHanko's library, as kyso's interop tests need.

usage: pyhanko_sign_encrypted.py IN OUT KEY.p12 P12-PASSFILE PDF-PASSWORD FIELD
The PDF password opens an encrypted input ("" for the empty user password); pyHanko keeps
the document's encryption and encrypts its update with the document's key.
"""
import sys

from pyhanko.pdf_utils.crypt import AuthStatus
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter

inp, out, p12, passfile, pdf_password, field = sys.argv[1:7]
with open(passfile, "rb") as f:
    passphrase = f.read().strip()
signer = signers.SimpleSigner.load_pkcs12(p12, passphrase=passphrase)
with open(inp, "rb") as f:
    w = IncrementalPdfFileWriter(f)
    if w.prev.encrypted:
        auth = w.encrypt(pdf_password.encode())
        if auth.status == AuthStatus.FAILED:
            sys.exit("wrong PDF password")
    meta = signers.PdfSignatureMetadata(field_name=field, subfilter=SigSeedSubFilter.PADES)
    with open(out, "wb") as o:
        signers.sign_pdf(w, meta, signer=signer, output=o)
