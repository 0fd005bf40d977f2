"""The verifier's command line: bad input gives one line and the right exit code, never a traceback."""

import json
import socket
import subprocess
import sys

import pytest
from conftest import ROOT


def run(*args, timeout=90):
    return subprocess.run([sys.executable, "-m", "kafka_verify", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_help():
    result = run("--help")
    assert result.returncode == 0
    assert "acks=all" in result.stdout


@pytest.mark.parametrize("args", [["--messages", "0"], ["--messages", "-5"], ["--partitions", "x"], ["--bogus"],
                                  ["--rate", "10"], ["--produce-only"], ["--expect-brokers", "a,b"]])
def test_bad_arguments_exit_2_with_one_line(args):
    result = run(*args)
    assert result.returncode == 2, result
    output = (result.stderr + result.stdout).strip().splitlines()
    assert "Traceback" not in result.stderr
    assert output[-1].startswith(("python -m kafka_verify: bad arguments", "FAIL: "))


def test_unreachable_cluster_exits_3():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run("--bootstrap-servers", f"127.0.0.1:{port}", "--connect-timeout", "2", "--json")
    assert result.returncode == 3, result
    report = json.loads(result.stdout)
    assert report["result"] == "cannot reach the cluster"
    assert "check the bootstrap servers" in report["reason"]
