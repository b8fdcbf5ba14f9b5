#!/usr/bin/env python3
"""Verify an archive of signed PDFs on Apache Spark with kyso.

    spark-submit examples/spark/verify_archive.py INPUT --output OUT [--trust ROOT.pem]...

INPUT is a directory (walked recursively), a glob or an object-store URI (s3a://, gs://,
abfss://, hdfs://) of PDFs, read with Spark's `binaryFile` source. Files larger than
--large-file-threshold are not shipped through Spark rows: the executor reads them by path
(local or shared file systems; object stores through fsspec when it is installed).

Each partition builds one kyso.Validator (trust anchors, profiles, validation time) and
verifies its files with it, sharing kyso's caches. The output directory gets:

  OUT/report.parquet   one row per file: the columns of `kyso verify --report`
  OUT/report.jsonl     the same rows as JSON Lines (Spark part files)
  OUT/summary.json     files by status and failure reason (also printed)

The job needs the `kyso` Python package on the driver and every executor (pip install
./python from the kyso repository; see examples/spark/README.md).
"""

import argparse
import json
import os
import sys
import time
from urllib.parse import urlparse

# The columns of `kyso verify --report` (kyso::batch::VerifyRecord), in its order.
REPORT_COLUMNS = [
    ("file", "string", False),
    ("status", "string", False),
    ("indication", "string", True),
    ("sub_indication", "string", True),
    ("reason", "string", True),
    ("message", "string", True),
    ("signatures", "long", False),
    ("signers", "array<string>", False),
    ("signer_sha256", "array<string>", False),
    ("bytes", "long", False),
    ("ms", "double", False),
    ("error", "string", True),
]


def parse_size(text: str) -> int:
    """`64m`, `200k`, `1g`, `1048576` (k = 1000, as kyso's --size)."""
    t = text.strip().lower()
    mult = 1
    for suffix, m in (("g", 10**9), ("m", 10**6), ("k", 10**3)):
        if t.endswith(suffix):
            t, mult = t[: -len(suffix)], m
            break
    return int(float(t) * mult)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("input", nargs="+", help="directories, globs or URIs of PDFs")
    p.add_argument("--output", required=True, help="output directory (replaced)")
    p.add_argument("--trust", action="append", default=[], metavar="ROOT.pem",
                   help="trust anchor certificates, read on the driver (repeatable)")
    p.add_argument("--certs", action="append", default=[], metavar="CERTS.pem",
                   help="extra certificates for building chains (repeatable)")
    p.add_argument("--trust-profile", action="append", default=[], metavar="NAME",
                   help="a bundled trust profile: vn-public, vn-gov (repeatable)")
    p.add_argument("--at", help="validate as of this time (RFC 3339) instead of now")
    p.add_argument("--revocation", choices=["require", "soft-fail", "off"], default="soft-fail")
    p.add_argument("--online", action="store_true",
                   help="fetch OCSP/CRL/issuers over the network (default: the files' data only)")
    p.add_argument("--allow-form-filling", action="store_true")
    p.add_argument("--large-file-threshold", default="64m", type=parse_size, metavar="SIZE",
                   help="files larger than this are read by path on the executor (default 64m)")
    p.add_argument("--glob", default="*.pdf", help="file name pattern (default *.pdf)")
    p.add_argument("--partitions", type=int, default=0,
                   help="repartition the files into N partitions (default: Spark's file packing)")
    p.add_argument("--open-cost", default="64k", type=parse_size, metavar="SIZE",
                   help="spark.sql.files.openCostInBytes for the listing: what one file counts "
                        "for when files are packed into partitions (default 64k; Spark's 4m "
                        "makes a task per ~30 files)")
    p.add_argument("--no-arrow", action="store_true",
                   help="move rows as pickled objects even when pyarrow is installed")
    return p.parse_args(argv)


def read_local(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def local_path(uri: str):
    """The local path of a file: URI (or a plain path), else None."""
    u = urlparse(uri)
    if u.scheme in ("", "file"):
        return u.path if u.scheme else uri
    return None


def make_validator(config):
    """The partition's validator (one per partition: kyso's caches are shared within it)."""
    import kyso

    return kyso.Validator(
        trust=config["trust"],
        certs=config["certs"],
        profiles=config["profiles"],
        at=config["at"],
        revocation=config["revocation"],
        offline=not config["online"],
        allow_form_filling=config["allow_form_filling"],
    )


def verify_one(validator, path, content):
    """The batch record of one file: from its bytes, else read by path on the executor."""
    if content is not None:
        return validator.verify_record(content, name=path)
    local = local_path(path)
    if local is not None:
        return validator.verify_record(local, name=path)
    try:
        import fsspec  # s3fs, gcsfs, adlfs… for object stores

        with fsspec.open(path, "rb") as f:
            data = f.read()
        return validator.verify_record(data, name=path)
    except Exception as e:  # reported as a batch reports a file it cannot read
        return {"file": path, "status": "error", "reason": "io-error", "message": str(e),
                "signatures": 0, "signers": [], "signer_sha256": [], "bytes": 0, "ms": 0.0,
                "error": str(e)}


def verify_arrow(config):
    """mapInArrow: Arrow record batches of (path, length[, content]) in, records out. The
    bytes cross from the JVM in Arrow buffers (no per-row pickling)."""

    def run(batches):
        import pyarrow as pa

        validator = make_validator(config)
        schema = arrow_schema(pa)
        for batch in batches:
            paths = batch.column("path").to_pylist()
            contents = (batch.column("content") if "content" in batch.schema.names else None)
            recs = []
            for i, path in enumerate(paths):
                content = None
                if contents is not None and contents[i].is_valid:
                    content = memoryview(contents[i].as_buffer())
                rec = verify_one(validator, path, content)
                recs.append({name: rec.get(name) for name, _, _ in REPORT_COLUMNS})
            yield pa.RecordBatch.from_pylist(recs, schema=schema)

    return run


def verify_rows(config):
    """mapPartitions over Row objects: the path when pyarrow is not installed (slower: each
    row's bytes are pickled between the JVM and Python)."""

    def run(rows):
        validator = make_validator(config)
        for row in rows:
            fields = row.asDict()
            content = fields.get("content")
            rec = verify_one(validator, fields["path"],
                             bytes(content) if content is not None else None)
            yield tuple(rec.get(name) for name, _, _ in REPORT_COLUMNS)

    return run


def arrow_schema(pa):
    types = {"string": pa.string(), "long": pa.int64(), "double": pa.float64(),
             "array<string>": pa.list_(pa.string())}
    return pa.schema([pa.field(n, types[t], nullable=True) for n, t, _ in REPORT_COLUMNS])


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from pyspark.sql import SparkSession, functions as F

    spark = SparkSession.builder.appName("kyso-verify-archive").getOrCreate()
    t0 = time.time()
    config = {
        "trust": [read_local(p) for p in args.trust],
        "certs": [read_local(p) for p in args.certs],
        "profiles": args.trust_profile,
        "at": args.at,
        "revocation": args.revocation,
        "online": args.online,
        "allow_form_filling": args.allow_form_filling,
    }
    # Check the options on the driver before any task runs (a bad anchor fails here, once).
    import kyso

    kyso.Validator(trust=config["trust"], certs=config["certs"], profiles=config["profiles"],
                   at=config["at"], revocation=config["revocation"], offline=True)

    spark.conf.set("spark.sql.files.openCostInBytes", str(args.open_cost))
    # Arrow batches hold whole files: about 256 MB of them at most per batch.
    per_batch = max(1, min(1000, (256 * 10**6) // max(args.large_file_threshold, 1)))
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(per_batch))
    try:
        import pyarrow  # noqa: F401

        arrow = not args.no_arrow
    except ImportError:
        arrow = False
    files = (
        spark.read.format("binaryFile")
        .option("pathGlobFilter", args.glob)
        .option("recursiveFileLookup", "true")
        .load(args.input)
    )
    # `length` filters are pushed down to the source, and a query without `content` does
    # not read the files: large files are listed here and read by the executor.
    small = files.where(F.col("length") <= args.large_file_threshold).select("path", "length", "content")
    large = files.where(F.col("length") > args.large_file_threshold).select("path", "length")
    if arrow:
        schema = ", ".join(f"{n} {t}" for n, t, _ in REPORT_COLUMNS)
        run = verify_arrow(config)
        parts = []
        for df in (small, large):
            if args.partitions > 0:
                df = df.repartition(args.partitions)
            parts.append(df.mapInArrow(run, schema))
        records = parts[0].unionByName(parts[1])
    else:
        schema = ", ".join(f"{n} {t}" + ("" if nullable else " NOT NULL")
                           for n, t, nullable in REPORT_COLUMNS)
        run = verify_rows(config)
        parts = []
        for df in (small, large):
            rdd = df.rdd
            if args.partitions > 0:
                rdd = rdd.repartition(args.partitions)
            parts.append(rdd.mapPartitions(run))
        records = spark.createDataFrame(parts[0].union(parts[1]), schema=schema)

    out = args.output.rstrip("/")
    records.write.mode("overwrite").parquet(f"{out}/report.parquet")
    t_verified = time.time()
    # Everything else from the Parquet dataset: each file is verified once.
    report = spark.read.parquet(f"{out}/report.parquet")
    report.write.mode("overwrite").json(f"{out}/report.jsonl")
    t_jsonl = time.time()
    by = (
        report.groupBy("status", "reason").count()
        .orderBy(F.col("count").desc(), "status", "reason").collect()
    )
    files_n = sum(r["count"] for r in by)
    summary = {
        "files": files_n,
        "by_status": {},
        "by_reason": {},
        "seconds_to_report": round(t_verified - t0, 3),
        "seconds_to_jsonl_and_summary": round(time.time() - t_jsonl + (t_jsonl - t_verified), 3),
        "docs_per_s": round(files_n / max(t_verified - t0, 1e-9), 1),
        "transfer": "arrow" if arrow else "rows",
    }
    for r in by:
        summary["by_status"][r["status"]] = summary["by_status"].get(r["status"], 0) + r["count"]
        if r["reason"] is not None:
            summary["by_reason"][r["reason"]] = summary["by_reason"].get(r["reason"], 0) + r["count"]
    text = json.dumps(summary, indent=2, sort_keys=True)
    local = local_path(out)
    if local is not None:
        os.makedirs(local, exist_ok=True)
        with open(os.path.join(local, "summary.json"), "w") as f:
            f.write(text + "\n")
    else:
        spark.createDataFrame([(text,)], "value string").coalesce(1).write.mode("overwrite").text(
            f"{out}/summary.json")
    print(text)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
