"""Test material for the kyso Python package's tests.

`cargo test -p kyso-python --test pytest` (and `cargo test --workspace`) generates the
material with kyso's test PKI and runs pytest with KYSO_TEST_MATERIAL pointing at it, and
KYSO_BIN at the `kyso` binary the results are compared with.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(
            f"{name} is not set: run these tests through `cargo test -p kyso-python --test pytest` "
            "(after `bash scripts/install-test-peers.sh`), which generates the test material",
            pytrace=False,
        )
    return value


@pytest.fixture(scope="session")
def material() -> Path:
    return Path(_env("KYSO_TEST_MATERIAL"))


@pytest.fixture(scope="session")
def kyso_bin() -> str:
    return _env("KYSO_BIN")


@pytest.fixture(scope="session")
def p12_password() -> str:
    return _env("KYSO_P12_PASSWORD")


@pytest.fixture(scope="session")
def repo() -> Path:
    return Path(_env("KYSO_REPO"))


def run_cli(kyso_bin: str, *args: str) -> subprocess.CompletedProcess:
    """Runs the kyso CLI (English reports, no terminal)."""
    env = dict(os.environ, KYSO_LANG="en", LANG="C.UTF-8")
    return subprocess.run([kyso_bin, *args], capture_output=True, text=True, env=env, timeout=600)


def cli_json(kyso_bin: str, path: Path, *extra: str) -> dict:
    """`kyso verify --format json` on one file."""
    out = run_cli(kyso_bin, "verify", "--format", "json", *extra, str(path))
    assert out.returncode in (0, 1), out.stderr
    lines = [l for l in out.stdout.splitlines() if l.strip()]
    assert len(lines) == 1, out.stdout
    return json.loads(lines[0])
