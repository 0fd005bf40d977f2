"""The zipapp shipped to hosts: reproducible, complete, runnable."""

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from conftest import ROOT

from kafka_verify import bundle, zipcompat


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
    assert {"kafka_verify/plot.py", "kafka_verify/timeline.py"} <= names
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


def test_the_bundle_draws_a_plot_with_what_it_carries(tmp_path):
    # Hosts have only the standard library besides the bundle: the plot must need nothing else.
    path = ROOT / "build" / "test-plot-bundle.pyz"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(bundle.build())
    script = ("import sys; sys.path.insert(0, sys.argv[1]); from kafka_verify import plot, timeline; "
              "line = timeline.Timeline(); line.start(0.0); line.ack(0.5); line.finish(3.0); "
              "plot.write(sys.argv[2], plot.render(line, [plot.Mark('fault', 1, 2)], 'title', 'counts')); "
              "print(plot.__file__)")
    target = tmp_path / "run.svg"
    result = subprocess.run([sys.executable, "-I", "-c", script, str(path), str(target)], capture_output=True,
                            text=True, check=False, cwd="/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith(str(path))
    assert ElementTree.parse(target).getroot().tag == "{http://www.w3.org/2000/svg}svg"


def test_only_python_before_3_10_imports_kafka_python_from_an_unpacked_copy():
    assert zipcompat.needed((3, 9, 2))
    assert not zipcompat.needed((3, 10, 0))
    assert not zipcompat.needed((3, 13, 5))


def test_the_unpacked_copy_holds_the_schemas_kafka_python_finds_by_package(tmp_path, monkeypatch):
    """The sticky assignor's schema sits beside its module: imported from a directory, its
    __package__ is set before it runs and the schema is found (Python 3.9's zipimport is not)."""
    path = tmp_path / "bundle.pyz"
    path.write_bytes(bundle.build())
    monkeypatch.setattr(sys, "path", list(sys.path))
    target = zipcompat.unpack(str(path))
    assert sys.path[0] == target
    unpacked = Path(target)
    assert (unpacked / "kafka" / "coordinator" / "assignors" / "sticky" / "StickyAssignorUserData.json").is_file()
    assert (unpacked / "kafka" / "producer" / "kafka.py").is_file()
    assert not (unpacked / "kafka_verify").exists()
    assert oct(unpacked.stat().st_mode & 0o777) == "0o700"
    assert zipcompat.archive_of(f"{path}/kafka_verify/__init__.py") == str(path)


def test_a_bundle_it_cannot_write_is_one_json_reason_not_a_traceback(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert bundle.main([str(blocker / "kafka-verify.pyz")]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["changed"] is False
    assert report["error"].startswith(f"cannot write the bundle to {blocker / 'kafka-verify.pyz'}: ")
