"""A Spark standalone cluster on 127.0.0.1 for tests and measurements: a master and N
workers started from the pyspark package (or SPARK_HOME) with `spark-class`, each in its
own process session, all stopped by `stop()` (or on leaving a `with` block).

    with Cluster(workdir, workers=2, cores=1) as c:
        c.submit("verify_archive.py", "archive/", "--output", "out/")
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spark_home() -> Path:
    """SPARK_HOME, else the pyspark package's own Spark."""
    if os.environ.get("SPARK_HOME"):
        return Path(os.environ["SPARK_HOME"])
    import pyspark

    return Path(pyspark.__file__).parent


class Cluster:
    """A standalone master and workers; `stop()` ends every process it started."""

    def __init__(self, work: Path, workers: int = 2, cores: int = 1, memory: str = "1g"):
        self.home, self.work = spark_home(), Path(work)
        self.work.mkdir(parents=True, exist_ok=True)
        self.procs = []
        self.env = dict(
            os.environ,
            SPARK_HOME=str(self.home),
            SPARK_LOCAL_IP="127.0.0.1",
            SPARK_LOCAL_DIRS=str(work / "local"),
            SPARK_LOG_DIR=str(work / "logs"),
            SPARK_WORKER_DIR=str(work / "worker"),
            SPARK_NO_DAEMONIZE="1",
            PYSPARK_PYTHON=sys.executable,
            PYSPARK_DRIVER_PYTHON=sys.executable,
        )
        self.port = free_port()
        self.ui = free_port()
        self.url = f"spark://127.0.0.1:{self.port}"
        self._start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                    "--port", str(self.port), "--webui-port", str(self.ui))
        for i in range(workers):
            self._start(f"worker-{i}", "org.apache.spark.deploy.worker.Worker", "--host",
                        "127.0.0.1", "--cores", str(cores), "--memory", memory, "--webui-port",
                        str(free_port()), "--work-dir", str(work / f"worker-{i}"), self.url)
        try:
            self._wait_for(workers)
        except BaseException:
            self.stop()
            raise

    def _start(self, name, cls, *args):
        log = open(self.work / f"{name}.log", "wb")
        self.procs.append(subprocess.Popen(
            [str(self.home / "bin" / "spark-class"), cls, *args],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))

    def _wait_for(self, workers, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError(f"a Spark daemon exited ({p.returncode}): {self.logs()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.ui}/json/", timeout=2) as r:
                    state = json.load(r)
                alive = [w for w in state.get("workers", []) if w.get("state") == "ALIVE"]
                if len(alive) >= workers:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the cluster did not come up in {timeout} s: {self.logs()}")

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in sorted(self.work.glob("*.log")))

    def stop(self):
        # Workers first (they end their executors), then the master; each in its own
        # session, so the whole group of each daemon we started is signalled.
        for p in reversed(self.procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in reversed(self.procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(timeout=10)


    def submit(self, *args, timeout=900) -> subprocess.CompletedProcess:
        """spark-submit to this cluster (client mode), with the executors on this Python."""
        return subprocess.run(
            [str(self.home / "bin" / "spark-submit"), "--master", self.url,
             "--conf", f"spark.pyspark.python={sys.executable}", *args],
            env=self.env, capture_output=True, text=True, timeout=timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
