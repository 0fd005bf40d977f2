"""The status report in KRaft mode: the active controller is the quorum's leader (not the
controller a broker reports), every voter caught up, the brokers observers."""

import json

from scenario_support import run_playbook


def test_the_status_playbook_reads_the_quorum(tmp_path):
    path = tmp_path / "status.json"
    result = run_playbook("status.yml", "-e", f"status_report_path={path}")
    assert result.returncode == 0, result.stdout[-3000:]
    report = json.loads(path.read_text())
    assert report["healthy"] is True
    assert report["mode"] == "kraft"
    controller = report["controller"]
    assert controller["mode"] == "kraft"
    assert controller["leader_id"] in (1001, 1002, 1003)
    assert sorted(voter["id"] for voter in controller["voters"]) == [1001, 1002, 1003]
    assert [(row["id"], row["state"]) for row in report["brokers"]] == [(1, "registered"), (2, "registered"),
                                                                          (3, "registered")]
    assert report["zookeeper"] == []
