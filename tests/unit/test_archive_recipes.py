"""The offline archives' recipes carry the official launchers, running the official main classes.

The lists in tests/archives/ come from the upstream sources (their headers say where); this
checks the recipes in tools/archives/ without building anything. tools/archives/smoke-test.sh
checks the built archives and runs them.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
LISTS = ROOT / "tests" / "archives"
RECIPES = ROOT / "tools" / "archives"
COMPONENTS = [("kafka", "kafka-3.9"), ("kafka4", "kafka-4.4"), ("zookeeper", "zookeeper-3.8")]
# A class name as the launchers write it: kafka.Kafka, org.apache.kafka.tools.TopicCommand.
CLASS = re.compile(r"\b((?:org\.apache|kafka)\.(?:[a-z]\w*\.)*[A-Z]\w*)\b")


def entries(path):
    return [line.strip() for line in path.read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def windows_only(entry):
    return entry.endswith(".cmd") or entry == "windows/"


def main_classes(prefix):
    pairs = {}
    for line in entries(LISTS / f"{prefix}-main-classes.txt"):
        launcher, cls = line.split()
        pairs.setdefault(launcher, set()).add(cls)
    return pairs


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


# --- Kafka 4.x (KRaft only) ------------------------------------------------------------------

KAFKA4 = RECIPES / "kafka4"


def test_kafka4_bin_is_exactly_the_official_bin():
    # No launcher of 3.x survives that 4.x dropped (zookeeper-*.sh, kafka-mirror-maker.sh).
    official = {e for e in entries(LISTS / "kafka-4.4-bin.txt") if not windows_only(e)}
    recipe = {p.name for p in (KAFKA4 / "bin").iterdir()}
    assert recipe == official, f"extra: {sorted(recipe - official)}, missing: {sorted(official - recipe)}"


def test_kafka4_config_is_exactly_the_official_config():
    official = set(entries(LISTS / "kafka-4.4-config.txt"))
    recipe = {p.name for p in (KAFKA4 / "config").iterdir()}
    assert recipe == official, f"extra: {sorted(recipe - official)}, missing: {sorted(official - recipe)}"


def test_kafka4_launchers_name_no_class_but_the_official_ones():
    # A 3.x class left in a 4.x launcher (kafka.admin.ConfigCommand, kafka.tools.ConsoleProducer)
    # would only fail when run.
    pairs = main_classes("kafka-4.4")
    stray = {}
    # kafka-server-stop.sh names kafka.Kafka to find the servers it signals; it runs none.
    for launcher in sorted(set((KAFKA4 / "bin").glob("*.sh")) - {KAFKA4 / "bin" / "kafka-server-stop.sh"}):
        named = set(CLASS.findall(launcher.read_text()))
        extra = named - pairs.get(launcher.name, set())
        if extra:
            stray[launcher.name] = sorted(extra)
    assert not stray, f"launchers naming classes the official ones do not run: {stray}"
    every_launcher = {e for e in entries(LISTS / "kafka-4.4-bin.txt") if e.endswith(".sh")}
    without_class = every_launcher - set(pairs) - {"kafka-run-class.sh", "kafka-server-stop.sh"}
    assert not without_class, f"official launchers with no main class listed: {sorted(without_class)}"


def test_kafka4_launchers_configure_log4j2_not_log4j1():
    # Log4j 2 ignores -Dlog4j.configuration: a 3.x default would leave the broker without logs.
    for launcher in (KAFKA4 / "bin").glob("*.sh"):
        assert "-Dlog4j.configuration=" not in launcher.read_text(), launcher.name
    run_class = (KAFKA4 / "bin" / "kafka-run-class.sh").read_text()
    assert "-Dlog4j2.configurationFile=$base_dir/config/tools-log4j2.yaml" in run_class
    assert "LOG4J_COMPATIBILITY=true" in run_class
    start = (KAFKA4 / "bin" / "kafka-server-start.sh").read_text()
    assert "-Dlog4j2.configurationFile=$bin_dir/../config/log4j2.yaml" in start
    for connect in ("connect-distributed.sh", "connect-standalone.sh", "connect-mirror-maker.sh"):
        assert "config/connect-log4j2.yaml" in (KAFKA4 / "bin" / connect).read_text(), connect


@pytest.mark.parametrize("name", ["log4j2.yaml", "tools-log4j2.yaml", "connect-log4j2.yaml"])
def test_kafka4_log4j2_files_are_log4j2_configurations(name):
    config = yaml.safe_load((KAFKA4 / "config" / name).read_text())["Configuration"]
    assert config["Appenders"]
    assert config["Loggers"]["Root"]["level"]


def test_kafka4_server_log_and_controller_log():
    config = yaml.safe_load((KAFKA4 / "config" / "log4j2.yaml").read_text())["Configuration"]
    files = {a["name"]: a["fileName"] for a in config["Appenders"]["RollingFile"]}
    assert files["server"] == "${sys:kafka.logs.dir}/server.log"
    assert files["controller"] == "${sys:kafka.logs.dir}/controller.log"
    root = [ref["ref"] for ref in config["Loggers"]["Root"]["AppenderRef"]]
    assert "server" in root
    loggers = {logger["name"]: logger for logger in config["Loggers"]["Logger"]}
    assert loggers["org.apache.kafka.controller"]["AppenderRef"]["ref"] == "controller"
    tools = yaml.safe_load((KAFKA4 / "config" / "tools-log4j2.yaml").read_text())["Configuration"]
    assert tools["Appenders"]["Console"]["target"] == "SYSTEM_ERR"
    assert tools["Loggers"]["Root"]["level"] == "WARN"


def properties(path):
    result = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "!")):
            key, _, value = line.partition("=")
            result[key.strip()] = value.strip()
    return result


@pytest.mark.parametrize(("name", "roles"), [
    ("server.properties", "broker,controller"),
    ("controller.properties", "controller"),
    ("broker.properties", "broker"),
])
def test_kafka4_server_examples_are_kraft_only(name, roles):
    props = properties(KAFKA4 / "config" / name)
    assert props["process.roles"] == roles
    assert props["controller.listener.names"] == "CONTROLLER"
    assert props["controller.quorum.bootstrap.servers"] == "localhost:9093"
    assert not [key for key in props if key.startswith(("zookeeper.", "broker.id"))]


def test_kafka4_pom_adds_the_slf4j_binding_the_kafka_poms_lack():
    pom = (KAFKA4 / "pom.xml").read_text()
    assert "<kafka.version>4.4.0</kafka.version>" in pom
    assert "<log4j.version>2.25.5</log4j.version>" in pom
    # SLF4J 1.x binding: Kafka 4.x is on slf4j-api 1.7, which log4j-slf4j2-impl does not serve.
    assert "<artifactId>log4j-slf4j-impl</artifactId>" in pom
    assert "log4j-slf4j2-impl" not in pom
    dependencies = pom.split("</dependencyManagement>", 1)[1]
    assert "reload4j" not in dependencies
    assert "zookeeper" not in dependencies


def build_recipe_for(version):
    script = (RECIPES / "build.sh").read_text()
    function = re.search(r"^kafka_recipe\(\) \{.*?^\}$", script, re.M | re.S).group(0)
    return subprocess.run(["bash", "-c", f'{function}\nkafka_recipe "$1"', "_", version],
                          capture_output=True, text=True, check=False)


@pytest.mark.parametrize(("version", "recipe"), [
    ("3.9.2", "kafka"), ("3.9.1", "kafka"), ("4.4.0", "kafka4"), ("4.0.2", "kafka4"), ("10.0.0", "kafka4"),
])
def test_build_picks_the_recipe_of_the_major_version(version, recipe):
    result = build_recipe_for(version)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == recipe
    assert (RECIPES / recipe / "pom.xml").exists()


@pytest.mark.parametrize("version", ["", "latest", "v4.4.0"])
def test_build_refuses_what_is_not_a_version(version):
    result = build_recipe_for(version)
    assert result.returncode != 0
    assert "is not a Kafka version" in result.stderr


def test_build_and_smoke_test_default_to_the_same_versions():
    pattern = re.compile(r"KAFKA_VERSIONS:-\$\{KAFKA_VERSION:-([^}]*)\}")
    build = pattern.search((RECIPES / "build.sh").read_text()).group(1)
    smoke = pattern.search((RECIPES / "smoke-test.sh").read_text()).group(1)
    # 4.3.1 is only where the KRaft upgrade test starts: it is built by the same recipe as 4.4.0
    # (a recipe per major version), which the smoke test checks against the official lists.
    assert build == "3.9.2 3.9.1 4.4.0 4.3.1"
    assert smoke == "3.9.2 3.9.1 4.4.0"
    # What has no official list is still checked: every launcher finds its class in the jars.
    class_only = re.search(r"KAFKA_CLASS_ONLY_VERSIONS-([^}]*)\}", (RECIPES / "smoke-test.sh").read_text()).group(1)
    assert sorted(build.split()) == sorted(smoke.split() + class_only.split())
    for version in smoke.split():
        assert (LISTS / f"kafka-{version.rsplit('.', 1)[0]}-bin.txt").exists(), version


def test_kafka4_absent_classes_are_official_ones_the_recipe_does_not_declare():
    # The smoke test forgives these missing classes; each must be an official launcher's class
    # whose jar the recipe leaves out and BUILD-NOTES names.
    pairs = main_classes("kafka-4.4")
    pom = (KAFKA4 / "pom.xml").read_text().split("</dependencyManagement>", 1)[1]
    notes = (KAFKA4 / "BUILD-NOTES").read_text()
    absent = [line.split() for line in entries(LISTS / "kafka-4.4-absent.txt")]
    assert absent
    for launcher, cls, jar in absent:
        assert cls in pairs.get(launcher, set()), (launcher, cls)
        assert f"<artifactId>{jar}</artifactId>" not in pom, jar
        assert jar in notes, jar
        assert launcher in notes, launcher
