#!/bin/sh
# kyso service from the shell: verify a PDF, check a dossier, two-phase signing.
# Usage: KYSO_URL=http://127.0.0.1:8080 sh curl.sh FILE.pdf
set -eu
URL=${KYSO_URL:-http://127.0.0.1:8080}
FILE=${1:?usage: curl.sh FILE.pdf}

# Verify: the raw PDF as the body; the answer is the JSON of `kyso verify --format json`.
curl -sS --fail-with-body -H 'Content-Type: application/pdf' --data-binary @"$FILE" \
  "$URL/v1/verify?revocation=soft-fail" > report.json
echo "valid: $(python3 -c 'import json;print(json.load(open("report.json"))["valid"])')"

# The same as multipart (the file name appears in the report).
curl -sS --fail-with-body -F "file=@$FILE;type=application/pdf" "$URL/v1/verify" > /dev/null

# Check a dossier against a procedure of the catalog.
curl -sS -F "file=@$FILE" -F procedure=2.001098 -F role=submission -F lang=vi \
  "$URL/v1/check" > policy.json || true

# Errors are JSON with a stable code:
curl -sS -H 'Content-Type: application/pdf' --data-binary @"$FILE" "$URL/v1/verify?revocation=maybe" || true
echo
