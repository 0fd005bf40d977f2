"""The lab hosts are systemd machines with Python that reach each other and the mirror by name."""

import os
from pathlib import Path

import pytest
import testinfra
import yaml

LAB = os.environ.get("LAB_NAME", "kafkalab-molecule")
HOSTS = ["hadoop-master", "hadoop-slave1", "hadoop-slave2"]
HOST_VARS = Path(__file__).resolve().parents[3] / "inventories" / "lab-ssh" / "host_vars"


@pytest.fixture(params=HOSTS)
def lab_host(request):
    return request.param, testinfra.get_host(f"docker://{LAB}-{request.param}")


def test_systemd_is_pid_one_and_running(lab_host):
    _, host = lab_host
    assert host.check_output("cat /proc/1/comm") == "systemd"
    assert host.run("systemctl is-system-running --wait").stdout.strip() in ("running", "degraded")


def test_each_host_runs_the_debian_release_its_inventory_names(lab_host):
    name, host = lab_host
    release = yaml.safe_load((HOST_VARS / f"{name}.yml").read_text())["lab_image_tag"]
    assert host.check_output(". /etc/os-release && echo $ID $VERSION_ID") == f"debian {release}"


def test_python_works(lab_host):
    _, host = lab_host
    assert host.run("python3 -c 'import apt, json; print(42)'").stdout.strip() == "42"


def test_hostname_and_peers_resolve(lab_host):
    name, host = lab_host
    assert host.check_output("hostname") == name
    for peer in HOSTS:
        assert host.run(f"getent hosts {peer}").rc == 0, f"{name} cannot resolve {peer}"


def test_mirror_serves_the_archives_with_their_checksums(lab_host):
    _, host = lab_host
    for path in ("kafka/3.9.2/kafka_2.13-3.9.2.tgz", "zookeeper/zookeeper-3.8.6/apache-zookeeper-3.8.6-bin.tar.gz"):
        script = (
            "import hashlib, urllib.request as u;"
            f"d = u.urlopen('http://lab-mirror:8080/{path}').read();"
            f"s = u.urlopen('http://lab-mirror:8080/{path}.sha512').read().split()[0].decode();"
            "print(hashlib.sha512(d).hexdigest() == s)"
        )
        assert host.check_output(f'python3 -c "{script}"') == "True", path
