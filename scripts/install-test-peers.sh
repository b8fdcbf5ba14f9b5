#!/usr/bin/env bash
# Installs the interoperability peers the test suite runs kyso against:
#   Debian: poppler-utils (pdfsig, pdftoppm, pdftotext), qpdf, libnss3-tools (certutil), softhsm2
#   PyPI:   pyhanko + pyhanko-cli in a venv at .peers/venv (override with KYSO_PEERS_DIR)
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
if [ ! -x "$peers/venv/bin/pyhanko" ]; then
  python3 -m venv "$peers/venv"
  "$peers/venv/bin/pip" install -q --disable-pip-version-check 'pyhanko[opentype,image-support]' pyhanko-cli
fi
echo "peers ready: $(pdfsig -v 2>&1 | head -1); $(qpdf --version | head -1); $("$peers/venv/bin/pip" show pyhanko | grep ^Version)"
