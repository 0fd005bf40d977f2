"""The offline archives' recipes carry the official launchers, running the official main classes.

The lists in tests/archives/ come from the upstream sources (their headers say where); this
checks the recipes in tools/archives/ without building anything. tools/archives/smoke-test.sh
checks the built archives and runs them.
"""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LISTS = ROOT / "tests" / "archives"
RECIPES = ROOT / "tools" / "archives"
COMPONENTS = [("kafka", "kafka-3.9"), ("zookeeper", "zookeeper-3.8")]


def entries(path):
    return [line.strip() for line in path.read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def windows_only(entry):
    return entry.endswith(".cmd") or entry == "windows/"


@pytest.mark.parametrize(("component", "prefix"), COMPONENTS)
def test_every_official_launcher_has_a_recipe(component, prefix):
    official = [e for e in entries(LISTS / f"{prefix}-bin.txt") if not windows_only(e)]
    assert official, "the official list is empty"
    bin_dir = RECIPES / component / "bin"
    missing = [e for e in official if not (bin_dir / e).exists()]
    assert not missing, f"{bin_dir} lacks official launchers: {missing}"
    not_executable = [e for e in official if e.endswith(".sh") and not os.access(bin_dir / e, os.X_OK)]
    assert not not_executable, f"not executable: {not_executable}"


@pytest.mark.parametrize(("component", "prefix"), COMPONENTS)
def test_launchers_run_the_official_main_classes(component, prefix):
    pairs = [line.split() for line in entries(LISTS / f"{prefix}-main-classes.txt")]
    assert pairs, "the official class list is empty"
    wrong = [(launcher, cls) for launcher, cls in pairs
             if cls not in (RECIPES / component / "bin" / launcher).read_text()]
    assert not wrong, f"launchers that do not run the official class: {wrong}"


def test_zookeeper_recipe_names_the_official_lib_entries_it_must_declare():
    # The jars that ZooKeeper's POM declares "provided" reach lib/ only if the recipe names them.
    pom = (RECIPES / "zookeeper" / "pom.xml").read_text()
    official = set(entries(LISTS / "zookeeper-3.8-lib.txt"))
    for artifact in ("jetty-server", "jetty-servlet", "jackson-databind", "jline", "metrics-core",
                     "snappy-java", "commons-cli", "zookeeper-prometheus-metrics", "simpleclient",
                     "simpleclient_hotspot", "simpleclient_servlet"):
        assert artifact in official
        assert f"<artifactId>{artifact}</artifactId>" in pom
