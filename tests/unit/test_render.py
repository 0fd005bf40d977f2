"""plugins/filter/kafka_render.py: what the roles write into properties files, environment files
and systemd units can never turn one value into two lines, and reads back as the value given.

The properties rendering is checked against Java's own Properties.load; the systemd quoting
against the rules of systemd.exec(5) and systemd.syntax(7), and against systemd's own parser
where a systemd binary can run in test mode.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import jinja2
import kafka_render
import kafka_toolkit
import pytest
import yaml
from conftest import ROOT
from kafka_render import (
    single_line,
    systemd_env_value,
    systemd_environment,
    systemd_exec_word,
    systemd_unit_value,
    to_properties,
)

JAVA_SOURCE = Path(__file__).parent / "java" / "PropertiesEcho.java"

# Values that break a naive `key=value` line or a systemd line, beside ordinary lab values.
NASTY_PROPERTIES = {
    "listeners": "PLAINTEXT://hadoop-master:9092",
    "zookeeper.connect": "hadoop-master:2181,hadoop-slave1:2181/kafka",
    "server.1": "hadoop-master:2888:3888;2181",
    "newline": "false\nunclean.leader.election.enable=true",
    "carriage.return": "a\rb\r\nc",
    "backslash": "C:\\kafka\\data",
    "trailing.backslash": "value\\",
    "double.trailing.backslash": "value\\\\",
    "leading.spaces": "   three",
    "trailing.spaces": "three   ",
    "only.spaces": "  ",
    "hash.value": "#not a comment",
    "bang.value": "!not a comment",
    "separators.value": "=:= a=b:c",
    "tab.formfeed": "\ttab\fff",
    "controls": "\x00\x01\x1b\x7f\x85",
    "unicode": "Zürich – 東京 ∂",
    "emoji": "🦄 and 😀",
    "escape.lookalikes": "\\u0041 \\n \\t",
    "empty": "",
    "#hash.key": "1",
    "!bang.key": "2",
    " leading space key": "3",
    "key with=equals:colon": "4",
    "key\nwith newline": "5",
    "ключ": "6",
    "": "empty key",
    "bool.true": True,
    "bool.false": False,
    "a.list": ["PLAINTEXT://a:9092", "SSL://b:9093"],
    "an.int": 3,
    "removed": None,
}


def test_to_properties_sorts_lowercases_booleans_joins_lists_and_drops_nulls():
    text = to_properties({"b": True, "a": [1, "x"], "c": None, "d": 3})
    assert text == "a=1,x\nb=true\nd=3\n"


@pytest.mark.parametrize(("properties", "line"), [
    ({"k": "x\ny"}, "k=x\\ny"),
    ({"k": "x\ry"}, "k=x\\ry"),
    ({"k": "x\ty\fz"}, "k=x\\ty\\fz"),
    ({"k": "x\x01\x7f\x9f"}, "k=x\\u0001\\u007F\\u009F"),
    ({"k": "x\\"}, "k=x\\\\"),
    ({"k": "a\\b"}, "k=a\\\\b"),
    ({"k": "  x "}, "k=\\  x "),
    ({"k": "x  y"}, "k=x  y"),
    ({"k": "#x"}, "k=#x"),
    ({"k": "!x"}, "k=!x"),
    ({"k": "=x"}, "k==x"),
    ({"k": ":x"}, "k=:x"),
    ({"listeners": "PLAINTEXT://host:9092"}, "listeners=PLAINTEXT://host:9092"),
    ({"server.1": "a:2888:3888;2181"}, "server.1=a:2888:3888;2181"),
    ({"#k": 1}, "\\#k=1"),
    ({"!k": 1}, "\\!k=1"),
    ({"a#b!c": 1}, "a\\#b\\!c=1"),
    ({"a=b:c d": 1}, "a\\=b\\:c\\ d=1"),
    ({"a\\b": 1}, "a\\\\b=1"),
    ({"a\nb": 1}, "a\\nb=1"),
    ({"k": "é"}, "k=\\u00E9"),
    ({"ключ": 1}, "\\u043A\\u043B\\u044E\\u0447=1"),
    ({"k": "😀"}, "k=\\uD83D\\uDE00"),
    ({"k": ""}, "k="),
    ({"": "v"}, "=v"),
    ({"k": False}, "k=false"),
    ({"k": ["a b", 2]}, "k=a b,2"),
])
def test_to_properties_escapes_each_entry_onto_one_ascii_line(properties, line):
    assert to_properties(properties) == line + "\n"


def test_to_properties_writes_one_ascii_line_per_entry():
    text = to_properties(NASTY_PROPERTIES)
    text.encode("ascii")
    kept = [key for key, value in NASTY_PROPERTIES.items() if value is not None]
    assert len(text.splitlines()) == len(kept)
    # Only these can start a line in the rendered file: an escaped key or a separator.
    assert not any(line.lstrip(" \t\f").startswith(("#", "!")) for line in text.splitlines())


def test_to_properties_leaves_the_lab_values_as_they_were():
    lab = {"broker.id": 1, "listeners": "PLAINTEXT://hadoop-master:9092",
           "advertised.listeners": "PLAINTEXT://hadoop-master:9092", "log.dirs": "/var/lib/kafka/server",
           "zookeeper.connect": "hadoop-master:2181,hadoop-slave1:2181,hadoop-slave2:2181/kafka",
           "unclean.leader.election.enable": False, "4lw.commands.whitelist": "srvr,ruok,mntr",
           "server.1": "hadoop-master:2888:3888;2181", "broker.rack": None}
    assert to_properties(lab) == "".join(
        f"{key}={'false' if value is False else value}\n" for key, value in sorted(lab.items()) if value is not None)


# --- Java reads the rendered file back ----------------------------------------------------------

@pytest.fixture(scope="session")
def properties_echo(tmp_path_factory):
    """The compiled PropertiesEcho class: one javac run for the session."""
    if shutil.which("javac") is None:
        pytest.skip("javac is not installed (openjdk-17-jdk-headless)")
    classes = tmp_path_factory.mktemp("java")
    subprocess.run(["javac", "-d", str(classes), str(JAVA_SOURCE)], check=True, capture_output=True)
    return classes


def java_load(classes, path):
    """Every entry of `path` as Properties.load(InputStream) reads it."""
    result = subprocess.run(["java", "-cp", str(classes), "PropertiesEcho", str(path)], check=True,
                            capture_output=True, text=True)

    def text(field):
        return "" if field == "-" else bytes.fromhex(field).decode("utf-16-be", "surrogatepass")

    entries = {}
    for line in result.stdout.splitlines():
        key, value = line.split(" ")
        entries[text(key)] = text(value)
    return entries


def test_java_reads_back_exactly_the_rendered_keys_and_values(properties_echo, tmp_path):
    path = tmp_path / "server.properties"
    # Written the way the roles write it: a header comment, then the rendered body.
    path.write_bytes(b"# Managed by kafka-toolkit.\n" + to_properties(NASTY_PROPERTIES).encode("ascii"))
    expected = {key: value for key, value in NASTY_PROPERTIES.items() if isinstance(value, str)}
    expected.update({"bool.true": "true", "bool.false": "false", "a.list": "PLAINTEXT://a:9092,SSL://b:9093",
                     "an.int": "3"})
    read = java_load(properties_echo, path)
    assert read == expected
    assert "unclean.leader.election.enable" not in read


def test_java_reads_back_every_character_class(properties_echo, tmp_path):
    # All of Latin-1, code points around and inside the surrogate range (a lone surrogate is a
    # valid Java char) and astral characters (UTF-16 pairs), each in a key and in a value.
    characters = [chr(code) for code in range(0x100)]
    characters += ["\u0100", "\u2028", "\ud7ff", "\ud800", "\udfff", "\ue000", "\uffff", "\U00010000",
                   "\U0001F984", "\U0010FFFF"]
    properties = {f"k{char}{index}": f"{char}v{char}" for index, char in enumerate(characters)}
    path = tmp_path / "all.properties"
    path.write_bytes(to_properties(properties).encode("ascii"))
    assert java_load(properties_echo, path) == properties


# --- systemd: EnvironmentFile= -------------------------------------------------------------------

@pytest.mark.parametrize(("value", "written"), [
    ("plain", "plain"),
    ("", ""),
    (320, "320"),
    ("-Xms320m -Xmx320m", "-Xms320m -Xmx320m"),
    ("-Dlog4j.configuration=file:/etc/kafka/log4j.properties",
     "-Dlog4j.configuration=file:/etc/kafka/log4j.properties"),
    # Quotes after the first character, '$', '`', '#' and ';' mean nothing to the unquoted parser.
    ('-Dx="a b" -Dy=\'c\'', '-Dx="a b" -Dy=\'c\''),
    ("$HOME ${X} `id`", "$HOME ${X} `id`"),
    ("#not-a-comment", "#not-a-comment"),
    (";not-a-comment", ";not-a-comment"),
    ("Zürich 😀", "Zürich 😀"),
    # Leading/trailing blanks would be stripped, a leading quote opens a quoted value, a
    # backslash escapes: double quotes, with \ before " \ ` $ only.
    (" lead", '" lead"'),
    ("trail ", '"trail "'),
    ("  ", '"  "'),
    ("'quoted'", "\"'quoted'\""),
    ('"quoted"', '"\\"quoted\\""'),
    ("C:\\dir", '"C:\\\\dir"'),
    ("trailing\\", '"trailing\\\\"'),
    ("a\\b $x `y` \"z\"", '"a\\\\b \\$x \\`y\\` \\"z\\""'),
])
def test_systemd_env_value_quotes_only_what_the_environment_file_parser_would_change(value, written):
    assert systemd_env_value(value) == written


CONTROL_AND_INVALID = ["a\nb", "a\rb", "a\tb", "a\x00b", "a\x1bb", "a\x7fb", "a\x85b", "a\ufdd0b", "a\ufffeb",
                       "a\U0001ffffb", "a\ufeffb", "a\ud800b"]


@pytest.mark.parametrize("value", CONTROL_AND_INVALID)
def test_systemd_env_value_refuses_what_cannot_stay_one_valid_line(value):
    with pytest.raises(ValueError, match="systemd_env_value"):
        systemd_env_value(value)


# --- systemd: Environment= ----------------------------------------------------------------------

@pytest.mark.parametrize(("name", "value", "written"), [
    ("ZOO_LOG_DIR", "/var/log/zookeeper", "ZOO_LOG_DIR=/var/log/zookeeper"),
    ("ZK_SERVER_HEAP", 128, "ZK_SERVER_HEAP=128"),
    ("EMPTY", "", "EMPTY="),
    ("DOLLAR", "$HOME", "DOLLAR=$HOME"),
    ("EQUALS", "a=b:c", "EQUALS=a=b:c"),
    ("SERVER_JVMFLAGS", "-Xms128m ", '"SERVER_JVMFLAGS=-Xms128m "'),
    ("SERVER_JVMFLAGS", "-Xms128m -Dx=\"a b\"", '"SERVER_JVMFLAGS=-Xms128m -Dx=\\"a b\\""'),
    ("QUOTE", "it's", "\"QUOTE=it's\""),
    ("PERCENT", "50%i", '"PERCENT=50%%i"'),
    ("BACKSLASH", "C:\\dir\\", '"BACKSLASH=C:\\\\dir\\\\"'),
    ("ESCAPES", "\\n\\s", '"ESCAPES=\\\\n\\\\s"'),
    ("UNICODE", "Zürich 😀", '"UNICODE=Zürich 😀"'),
])
def test_systemd_environment_quotes_the_whole_assignment_when_needed(name, value, written):
    assert systemd_environment(name, value) == written


@pytest.mark.parametrize("name", ["", "1ABC", "A B", "A=B", "A-B", "A\nB"])
def test_systemd_environment_refuses_a_bad_variable_name(name):
    with pytest.raises(ValueError, match="not an environment variable name"):
        systemd_environment(name, "x")


@pytest.mark.parametrize("value", CONTROL_AND_INVALID)
def test_systemd_environment_refuses_control_characters(value):
    with pytest.raises(ValueError, match="systemd_environment"):
        systemd_environment("A", value)


# --- systemd: ExecStart= words and plain settings ----------------------------------------------

@pytest.mark.parametrize(("value", "written"), [
    ("/opt/kafka", "/opt/kafka"),
    ("/opt/my kafka", "/opt/my\\skafka"),
    ("/opt/100%", "/opt/100%%"),
    ("/opt/$HOME", "/opt/$$HOME"),
    ("/opt/a\\b", "/opt/a\\\\b"),
    ("/opt/\"q\"'s'", "/opt/\\\"q\\\"\\'s\\'"),
    ("/opt/ünï", "/opt/ünï"),
])
def test_systemd_exec_word_escapes_without_quotes(value, written):
    assert systemd_exec_word(value) == written


@pytest.mark.parametrize("value", ["", ";", "/opt/a\nExecStartPre=/bin/sh", "/opt/\t"])
def test_systemd_exec_word_refuses_what_is_not_one_word(value):
    with pytest.raises(ValueError, match="systemd_exec_word"):
        systemd_exec_word(value)


@pytest.mark.parametrize(("value", "written"), [
    ("kafka", "kafka"),
    (100000, "100000"),
    ("/etc/my kafka", "/etc/my kafka"),
    ("50%", "50%%"),
])
def test_systemd_unit_value_doubles_specifiers(value, written):
    assert systemd_unit_value(value) == written


@pytest.mark.parametrize("value", ["", " kafka", "kafka ", "kafka\\", "kafka\nExecStartPre=/bin/sh", "a\rb"])
def test_systemd_unit_value_refuses_what_systemd_would_read_differently(value):
    with pytest.raises(ValueError, match="systemd_unit_value"):
        systemd_unit_value(value)


def test_single_line_passes_text_and_refuses_line_breaks():
    assert single_line("/var/log/kafka \\ ünï") == "/var/log/kafka \\ ünï"
    for value in ("a\nb", "a\rb", "a\x85b"):
        with pytest.raises(ValueError, match="single_line"):
            single_line(value)


# --- the templates --------------------------------------------------------------------------------

LAB_VARS = {
    "kafka_broker": {"name": "server", "heap": "320m", "jmx_port": 9999, "metrics_port": None},
    "kafka_log_root": "/var/log/kafka", "kafka_conf_dir": "/etc/kafka", "kafka_jvm_opts": "",
    "kafka_metrics_agent_jar": "/opt/jmx_prometheus_javaagent-1.0.1.jar",
    "kafka_metrics_rules_file": "/etc/kafka/jmx-exporter.yml",
    "kafka_user": "kafka", "kafka_group": "kafka", "kafka_home": "/opt/kafka", "kafka_nofile": 100000,
    "kafka_stop_timeout": 180, "kafka_jmx_bind_address": "127.0.0.1",
    "kafka_logging_file": "/etc/kafka/log4j.properties",
    "zookeeper_id": 1, "zookeeper_version": "3.8.6", "zookeeper_user": "zookeeper", "zookeeper_group": "zookeeper",
    "zookeeper_log_dir": "/var/log/zookeeper", "zookeeper_heap": "128m", "zookeeper_jvm_flags": "",
    "zookeeper_home": "/opt/zookeeper", "zookeeper_conf_dir": "/etc/zookeeper", "zookeeper_nofile": 65536,
    "zookeeper_data_dir": "/var/lib/zookeeper", "zookeeper_datalog_dir": "/var/lib/zookeeper",
}


def render(template, **overrides):
    """A role template rendered the way Ansible's template lookup does (trim_blocks, final newline)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([ROOT / "roles" / "kafka" / "templates",
                                                             ROOT / "roles" / "zookeeper" / "templates"]),
                             trim_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
                             autoescape=False)
    env.filters["heap_megabytes"] = kafka_toolkit.heap_megabytes
    env.filters.update(kafka_render.FilterModule().filters())
    return env.get_template(template).render({**LAB_VARS, **overrides})


def test_lab_environment_file_is_unchanged():
    assert render("broker.env.j2") == (
        "# Managed by kafka-toolkit (roles/kafka): environment of kafka@server.service.\n"
        "KAFKA_HEAP_OPTS=-Xms320m -Xmx320m\n"
        "LOG_DIR=/var/log/kafka/server\n"
        "KAFKA_LOG4J_OPTS=-Dlog4j.configuration=file:/etc/kafka/log4j.properties\n"
        "KAFKA_OPTS=\n"
        "KAFKA_JMX_OPTS=-Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.authenticate=true "
        "-Dcom.sun.management.jmxremote.ssl=false -Dcom.sun.management.jmxremote.password.file=/etc/kafka/"
        "jmxremote.password -Dcom.sun.management.jmxremote.access.file=/etc/kafka/jmxremote.access "
        "-Dcom.sun.management.jmxremote.host=127.0.0.1 -Dcom.sun.management.jmxremote.rmi.port=9999 "
        "-Djava.rmi.server.hostname=127.0.0.1\n"
        "JMX_PORT=9999\n")


def test_a_broker_with_metrics_runs_the_agent_on_its_port_after_the_users_options():
    env = render("broker.env.j2", kafka_broker={"name": "server-one", "heap": "320m", "jmx_port": None,
                                                "metrics_port": 7072}, kafka_jvm_opts="-XX:+UseG1GC")
    assert ("KAFKA_OPTS=-XX:+UseG1GC -javaagent:/opt/jmx_prometheus_javaagent-1.0.1.jar=7072:"
            "/etc/kafka/jmx-exporter.yml\n") in env


def test_the_jmx_exporter_rules_are_yaml_with_the_names_the_alerts_read():
    rules = yaml.safe_load(render("jmx-exporter.yml.j2"))
    assert rules["lowercaseOutputName"] is True
    assert "kafka.server:type=ReplicaManager,*" in rules["includeObjectNames"]
    patterns = [(rule["pattern"], rule["name"]) for rule in rules["rules"]]
    assert ("kafka.(\\w+)<type=(.+), name=(.+)><>Value", "kafka_$1_$2_$3") in patterns


def test_kafka_4_reads_log4j2_yaml():
    env = render("broker.env.j2", kafka_logging_file="/etc/kafka/log4j2.yaml")
    assert "KAFKA_LOG4J_OPTS=-Dlog4j2.configurationFile=/etc/kafka/log4j2.yaml\n" in env


def test_log4j2_yaml_is_yaml_with_the_three_log_files():
    config = yaml.safe_load(render("log4j2.yaml.j2"))["Configuration"]
    files = sorted(item["fileName"] for item in config["Appenders"]["RollingFile"])
    assert files == ["${sys:kafka.logs.dir}/" + name for name in ("controller.log", "server.log", "state-change.log")]
    refs = {item["ref"] for item in config["Loggers"]["Root"]["AppenderRef"]}
    assert refs == {"Console", "Server"}


def test_lab_units_write_plain_values_plainly_and_are_hardened():
    kafka = render("kafka@.service.j2").splitlines()
    for line in ("User=kafka", "Group=kafka", "EnvironmentFile=/etc/kafka/%i.env",
                 "ExecStart=/opt/kafka/bin/kafka-server-start.sh /etc/kafka/%i.properties", "LimitNOFILE=100000",
                 "TimeoutStopSec=180", "StartLimitBurst=10", "NoNewPrivileges=yes", "ProtectSystem=strict",
                 "ProtectHome=yes", "CapabilityBoundingSet="):
        assert line in kafka, line
    zookeeper = render("zookeeper.service.j2").splitlines()
    for line in ("User=zookeeper", "Environment=ZOO_LOG_DIR=/var/log/zookeeper", "Environment=ZK_SERVER_HEAP=128",
                 'Environment="SERVER_JVMFLAGS=-Xms128m "',
                 "ExecStart=/opt/zookeeper/bin/zkServer.sh --config /etc/zookeeper start-foreground",
                 "RequiresMountsFor=/var/lib/zookeeper", "ReadWritePaths=/var/lib/zookeeper /var/log/zookeeper /tmp",
                 "NoNewPrivileges=yes", "ProtectSystem=strict", "StartLimitBurst=10"):
        assert line in zookeeper, line


def test_templates_keep_awkward_values_on_their_lines():
    env = render("broker.env.j2", kafka_jvm_opts=' -Dpath="C:\\x" $HOME ', kafka_log_root="/var/log/my kafka")
    assert env.splitlines()[1:5] == ["KAFKA_HEAP_OPTS=-Xms320m -Xmx320m", "LOG_DIR=/var/log/my kafka/server",
                                     "KAFKA_LOG4J_OPTS=-Dlog4j.configuration=file:/etc/kafka/log4j.properties",
                                     'KAFKA_OPTS=" -Dpath=\\"C:\\\\x\\" \\$HOME "']
    assert env.splitlines()[-1] == "JMX_PORT=9999"
    unit = render("kafka@.service.j2", kafka_home="/opt/my kafka", kafka_conf_dir="/etc/kafka%")
    assert "EnvironmentFile=/etc/kafka%%/%i.env\n" in unit
    assert "ExecStart=/opt/my\\skafka/bin/kafka-server-start.sh /etc/kafka%%/%i.properties\n" in unit
    unit = render("zookeeper.service.j2", zookeeper_jvm_flags='-Dx="a b" -Dp=50%')
    assert 'Environment="SERVER_JVMFLAGS=-Xms128m -Dx=\\"a b\\" -Dp=50%%"\n' in unit


@pytest.mark.parametrize(("template", "variable"), [
    ("broker.env.j2", "kafka_jvm_opts"),
    ("broker.env.j2", "kafka_log_root"),
    ("broker.env.j2", "kafka_conf_dir"),
    ("kafka@.service.j2", "kafka_user"),
    ("kafka@.service.j2", "kafka_conf_dir"),
    ("kafka@.service.j2", "kafka_home"),
    ("kafka@.service.j2", "kafka_nofile"),
    ("zookeeper.service.j2", "zookeeper_jvm_flags"),
    ("zookeeper.service.j2", "zookeeper_log_dir"),
    ("zookeeper.service.j2", "zookeeper_home"),
    ("zookeeper.service.j2", "zookeeper_conf_dir"),
    ("zookeeper.service.j2", "zookeeper_group"),
])
def test_templates_refuse_a_value_with_a_newline(template, variable):
    with pytest.raises(ValueError, match="control character"):
        render(template, **{variable: "x\nExecStartPre=/bin/sh -c 'id > /tmp/owned'"})


# --- systemd's own parser, where it can run ------------------------------------------------------

SYSTEMD = Path("/usr/lib/systemd/systemd")
SYSTEMD_VALUES = ["plain", "", "a b", " lead", "trail ", "back\\slash", "trail\\", 'q"uote', "s'q", "%i %%",
                  "$HOME ${X} $$", "#hash", "=eq=", "Zürich 😀", "\\x41\\n", "'whole'", '"whole"', "-dash"]


def dump_unit(unit_text):
    """systemd --test's dump of a unit (its parsed settings), or None where test mode cannot run."""
    if not SYSTEMD.exists():
        return None
    command = [str(SYSTEMD), "--test", "--user", "--unit=render-check.service", "--no-pager"]
    as_root = os.geteuid() == 0
    if as_root:
        # Test mode refuses to run as root.
        if shutil.which("setpriv") is None:
            return None
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    # Not pytest's tmp_path: its parents are private to the user, and nobody must reach the unit.
    with tempfile.TemporaryDirectory(prefix="render-check-") as scratch:
        root = Path(scratch)
        (root / "units").mkdir()
        (root / "runtime").mkdir()
        (root / "units" / "render-check.service").write_text(unit_text, encoding="utf-8")
        for path in (root, root / "units"):
            path.chmod(0o755)
        (root / "units" / "render-check.service").chmod(0o644)
        if as_root:
            os.chown(root / "runtime", 65534, 65534)
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(root),
                       "XDG_RUNTIME_DIR": str(root / "runtime"), "SYSTEMD_UNIT_PATH": f"{root / 'units'}:"}
        result = subprocess.run(command, capture_output=True, text=True, env=environment, check=False, timeout=60)
    marker = "-> Unit render-check.service:"
    if marker not in result.stdout:
        return None
    return result.stdout.split(marker, 1)[1].split("\n\t-> Unit ", 1)[0]


def split_dumped_command(line):
    """Arguments of a dumped 'Command Line:', which systemd shell-quotes with "..." and \\."""
    words, word, quoted, escaped, started = [], [], False, False, False
    for char in line:
        if escaped:
            word.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted, started = not quoted, True
        elif char == " " and not quoted:
            if started or word:
                words.append("".join(word))
            word, started = [], False
        else:
            word.append(char)
    if started or word:
        words.append("".join(word))
    return words


def test_systemd_parses_environment_and_exec_start_back_to_the_values():
    lines = ["[Service]", "Type=oneshot"]
    lines += [f"Environment={systemd_environment(f'V{index}', value)}" for index, value in enumerate(SYSTEMD_VALUES)]
    words = [systemd_exec_word(value) for value in SYSTEMD_VALUES if value]
    lines.append(f"ExecStart=/bin/echo {' '.join(words)} {systemd_exec_word('/my dir')}/%%i.properties")
    dump = dump_unit("\n".join(lines) + "\n")
    if dump is None:
        pytest.skip("systemd cannot run in test mode here")
    environment = dict(line.split(": ", 1)[1].split("=", 1) for line in dump.splitlines()
                       if line.startswith("\t\tEnvironment: "))
    assert environment == {f"V{index}": value for index, value in enumerate(SYSTEMD_VALUES)}
    command = next(line.split("Command Line: ", 1)[1] for line in dump.splitlines() if "Command Line: " in line)
    # The dump shows arguments before $-substitution, in which "$$" becomes "$".
    arguments = [word.replace("$$", "$") for word in split_dumped_command(command)]
    assert arguments == ["/bin/echo", *[value for value in SYSTEMD_VALUES if value], "/my dir/%i.properties"]


def wrapper(tmp_path, tool):
    """The rendered /usr/local/bin wrapper of a tool, exec'ing a stand-in release under tmp_path."""
    release = tmp_path / "kafka"
    (release / "bin").mkdir(parents=True, exist_ok=True)
    (release / "bin" / tool).write_text('#!/bin/sh\necho "ran $*"\n')
    (release / "bin" / tool).chmod(0o755)
    text = render("cli-wrapper.sh.j2", kafka_cli_tool=tool, kafka_home=str(release),
                  kafka_cli_zookeeper_hint=["kafka-topics.sh"],
                  kafka_host_brokers=[{"bootstrap": "hadoop-master:9092"}, {"bootstrap": "hadoop-master:9093"}])
    path = tmp_path / tool
    path.write_text(text)
    path.chmod(0o755)
    return str(path)


def test_the_course_zookeeper_option_gets_one_line_saying_what_to_type(tmp_path):
    import subprocess

    topics = wrapper(tmp_path, "kafka-topics.sh")
    result = subprocess.run([topics, "--zookeeper", "hadoop-master:2181", "--list"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == ("kafka-topics.sh: --zookeeper was removed in Kafka 3; type instead: kafka-topics.sh "
                             "--bootstrap-server hadoop-master:9092,hadoop-master:9093 --list\n")
    same = subprocess.run([topics, "--zookeeper=hadoop-master:2181/kafka", "--describe"], capture_output=True,
                          text=True, check=False)
    assert same.returncode == 2
    assert same.stderr.endswith("--bootstrap-server hadoop-master:9092,hadoop-master:9093 --describe\n")
    ok = subprocess.run([topics, "--bootstrap-server", "b:9092", "--list"], capture_output=True, text=True, check=True)
    assert ok.stdout == "ran --bootstrap-server b:9092 --list\n"
    other = subprocess.run([wrapper(tmp_path, "kafka-configs.sh"), "--zookeeper", "z"], capture_output=True,
                           text=True, check=True)
    assert other.stdout == "ran --zookeeper z\n", "only the listed tools answer with a hint"
