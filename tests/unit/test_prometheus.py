"""The prometheus role's files, rendered the way Ansible renders them: the scrape targets come
from the cluster model and from what the zookeeper and node_exporter roles said about their
hosts; the alert rules are YAML with the names and thresholds the role's variables give."""

import json

import jinja2
import yaml
from conftest import ROOT
from kafka_model import kafka_cluster_model

TEMPLATES = ROOT / "roles" / "prometheus" / "templates"
DEFAULTS = yaml.safe_load((ROOT / "roles/kafka/defaults/main.yml").read_text())


def render(template, **variables):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), trim_blocks=True, keep_trailing_newline=True,
                             undefined=jinja2.StrictUndefined, autoescape=False)
    env.filters["to_json"] = json.dumps
    env.filters["extract"] = lambda key, container: container[key]
    return env.get_template(template).render(variables)


def test_every_node_that_serves_metrics_is_a_target_with_its_labels():
    hostvars = {"h1": {"kafka_broker_id": 1, "kafka_metrics": True, "zookeeper_metrics_address": "h1:7000",
                       "node_exporter_address": "h1:9100"},
                "h2": {"kafka_broker_id": 2, "kafka_metrics": True, "zookeeper_metrics_address": "",
                       "node_exporter_address": "h2:9100"}}
    cluster = kafka_cluster_model(["h1", "h2"], hostvars, DEFAULTS, ["h1", "h2"], {})
    config = yaml.safe_load(render("prometheus.yml.j2", kafka_cluster=cluster, hostvars=hostvars,
                                   groups={"zookeeper": ["h1", "h2"], "kafka": ["h1", "h2"]},
                                   prometheus_cluster_hosts=["h1", "h2"], prometheus_port=9090,
                                   prometheus_scrape_interval="5s", prometheus_evaluation_interval="5s"))
    jobs = {job["job_name"]: job["static_configs"] for job in config["scrape_configs"]}
    assert [(item["targets"], item["labels"]["node"], item["labels"]["node_id"]) for item in jobs["kafka"]] == [
        (["h1:7071"], "server", "1"), (["h2:7071"], "server", "2")]
    assert [item["targets"] for item in jobs["zookeeper"]] == [["h1:7000"]]
    assert [item["targets"] for item in jobs["node"]] == [["h1:9100"], ["h2:9100"]]
    assert config["global"]["scrape_interval"] == "5s"


def test_without_metrics_the_jobs_are_empty_but_valid():
    cluster = kafka_cluster_model(["h1"], {"h1": {"kafka_broker_id": 1}}, DEFAULTS, ["h1"], {})
    config = yaml.safe_load(render("prometheus.yml.j2", kafka_cluster=cluster, hostvars={"h1": {}},
                                   groups={"zookeeper": ["h1"]}, prometheus_cluster_hosts=["h1"],
                                   prometheus_port=9090, prometheus_scrape_interval="15s",
                                   prometheus_evaluation_interval="15s"))
    jobs = {job["job_name"]: job["static_configs"] for job in config["scrape_configs"]}
    assert (jobs["kafka"], jobs["zookeeper"], jobs["node"]) == ([], [], [])


def test_the_alert_rules_cover_what_an_operator_is_woken_for():
    rules = yaml.safe_load(render("kafka-toolkit-alerts.yml.j2", prometheus_alert_for="2m",
                                  prometheus_disk_used_ratio=0.9))["groups"][0]["rules"]
    names = {rule["alert"] for rule in rules}
    assert names == {"KafkaUnderReplicatedPartitions", "KafkaUnderMinIsrPartitions", "KafkaOfflinePartitions",
                     "KafkaOfflineLogDirectory", "KafkaActiveControllerCount", "KafkaNodeDown",
                     "KafkaControllerQuorumLost", "ZooKeeperNodeDown", "ZooKeeperQuorumLost", "HostDiskFilling"}
    assert {rule["for"] for rule in rules} == {"2m"}
    assert "> 0.9" in next(rule["expr"] for rule in rules if rule["alert"] == "HostDiskFilling")
    # Prometheus's own templating survives Jinja's.
    assert "{{ $labels.node }}" in next(rule["annotations"]["summary"] for rule in rules
                                        if rule["alert"] == "KafkaNodeDown")
