"""The zipapp shipped to hosts: reproducible, complete, runnable."""

import subprocess
import sys
import zipfile

from conftest import ROOT

from kafka_verify import bundle


def test_the_bundle_is_reproducible_and_holds_kafka_python_schemas():
    first, second = bundle.build(), bundle.build()
    assert first == second
    path = ROOT / "build" / "test-bundle.pyz"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(first)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
    assert "__main__.py" in names
    assert "kafka_verify/cli.py" in names
    assert "kafka/producer/kafka.py" in names
    assert any(name.startswith("kafka/protocol/schemas/") and name.endswith(".json") for name in names)
    assert not any(name.endswith(".pyc") for name in names)


def test_the_bundle_runs_both_commands():
    path = ROOT / "build" / "test-bundle.pyz"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(bundle.build())
    for args in (["--help"], ["topics", "--help"]):
        result = subprocess.run([sys.executable, str(path), *args], capture_output=True, text=True, check=False,
                                cwd="/")
        assert result.returncode == 0, result.stderr
        assert "usage:" in result.stdout
