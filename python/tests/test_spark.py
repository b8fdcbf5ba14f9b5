"""The Spark job (examples/spark/verify_archive.py) on a real standalone cluster: a master
and two workers (1 core each) on 127.0.0.1 started from the pyspark package, the job
submitted with spark-submit over the generated archive (≥ 2,000 signed documents, some not
valid), and its report compared with `kyso verify --report` on the same files."""

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import run_cli

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "spark"))
from local_cluster import Cluster  # noqa: E402

# Columns compared with the CLI's batch report: all but `ms` (time spent, which differs by
# nature); `file` is compared after turning Spark's file: URI into a path.
COMPARED = ["status", "indication", "sub_indication", "reason", "message", "signatures",
            "signers", "signer_sha256", "bytes", "error"]


def read_jsonl_dir(d: Path) -> list:
    rows = []
    for part in sorted(d.glob("part-*")):
        rows += [json.loads(l) for l in part.read_text().splitlines() if l.strip()]
    return rows


def uri_to_path(uri: str) -> str:
    from urllib.parse import unquote, urlparse

    u = urlparse(uri)
    return os.path.realpath(unquote(u.path) if u.scheme == "file" else uri)


def test_the_spark_job_on_a_standalone_cluster_equals_the_batch_report(
        material, kyso_bin, repo, tmp_path):
    archive = material / "archive"
    n_files = len(list(archive.rglob("*.pdf")))
    assert n_files >= 2000
    at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    root = str(material / "root.pem")

    # The batch report of the CLI on the same files.
    cli_report = tmp_path / "cli.jsonl"
    t = time.time()
    res = run_cli(kyso_bin, "verify", "--offline", "--trust", root, "--at", at, "--jobs", "2",
                  "--report", str(cli_report), str(archive))
    cli_seconds = time.time() - t
    assert res.returncode == 1, res.stdout + res.stderr  # some files are not valid
    cli = {uri_to_path(r["file"]): r for r in read_jsonl_dir_or_file(cli_report)}
    assert len(cli) == n_files

    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.fail("pyspark is not installed in the venv: run scripts/install-test-peers.sh",
                    pytrace=False)
    work = tmp_path / "spark"
    work.mkdir()
    out = tmp_path / "out"
    cluster = Cluster(work, workers=2, cores=1)
    try:
        t = time.time()
        submit = cluster.submit(
            "--conf", "spark.cores.max=2", "--conf", "spark.executor.cores=1",
            "--conf", "spark.executor.memory=1g", "--conf", "spark.ui.enabled=false",
            "--driver-memory", "1g",
            str(repo / "examples" / "spark" / "verify_archive.py"), str(archive),
            "--output", str(out), "--trust", root, "--at", at,
            # The two large-*.pdf (300 kB) go the by-path way.
            "--large-file-threshold", "100k", timeout=600)
        spark_seconds = time.time() - t
        assert submit.returncode == 0, submit.stdout[-5000:] + submit.stderr[-5000:] + cluster.logs()
    finally:
        cluster.stop()
    assert all(p.poll() is not None for p in cluster.procs)

    rows = read_jsonl_dir(out / "report.jsonl")
    files = [uri_to_path(r["file"]) for r in rows]
    assert len(files) == len(set(files)), "a file was reported twice"
    assert set(files) == set(cli), "the Spark report and the batch report cover different files"
    for r in rows:
        expected = cli[uri_to_path(r["file"])]
        for col in COMPARED:
            assert r.get(col) == expected.get(col), (r["file"], col, r.get(col), expected.get(col))
    statuses = {}
    for r in rows:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    assert statuses["invalid"] >= 50 and statuses["valid"] >= 1900, statuses
    reasons = {r.get("reason") for r in rows if r["status"] != "valid"}
    assert {"HASH_FAILURE", "not-a-pdf"} <= reasons, reasons

    summary = json.loads((out / "summary.json").read_text())
    assert summary["files"] == n_files
    assert summary["transfer"] == "arrow"  # pyarrow is installed: bytes move as Arrow buffers
    assert summary["by_status"] == statuses
    assert (out / "report.parquet" / "_SUCCESS").exists()
    print(f"\nSpark job: {n_files} files in {spark_seconds:.1f} s (submit to exit; "
          f"{summary['docs_per_s']} docs/s inside the job); kyso verify --jobs 2: "
          f"{cli_seconds:.1f} s")


def read_jsonl_dir_or_file(p: Path) -> list:
    return [json.loads(l) for l in p.read_text().splitlines() if l.strip()]
