"""The verdict: data loss before an unhealthy cluster before unconfirmed sends, and the send policy."""

import pytest

from kafka_verify.accounting import Accounting
from kafka_verify.errors import DATA_LOSS, OK, UNHEALTHY
from kafka_verify.health import Health
from kafka_verify.verdict import SendPolicy, Verdict, judge

HEALTHY = Health(cluster_id="c", controller=1, brokers=[1, 2, 3])
STRICT = SendPolicy()


def sick():
    return Health(cluster_id="c", controller=1, brokers=[1, 2, 3], under_replicated=["t-1 (isr [1] of [1, 2, 3])"])


def books(sent=10, acked=10, failed=0, unresolved=0, **problems):
    accounting = Accounting(sent=sent, acked=acked, failed=failed, read=acked, unresolved=unresolved)
    for name, items in problems.items():
        setattr(accounting, name, items)
    return accounting


def test_everything_accounted_for_is_ok():
    assert judge(books(), HEALTHY, STRICT).code == OK


def test_loss_takes_precedence_over_an_unhealthy_cluster():
    verdict = judge(books(lost=[("t", 3)], unavailable=[("t", 4)]), sick(), STRICT)
    assert verdict.code == DATA_LOSS
    assert verdict.reason.startswith("1 lost of 10 acknowledged messages")


def test_loss_takes_precedence_over_failed_sends_even_when_expected():
    verdict = judge(books(sent=100, acked=10, failed=90, lost=[("t", 3)]), HEALTHY, SendPolicy(expect_failures=True))
    assert verdict.code == DATA_LOSS


@pytest.mark.parametrize("defect", ["corrupted", "duplicated", "reordered", "misplaced"])
def test_every_defect_is_data_loss(defect):
    assert judge(books(**{defect: [("t", 1)]}), sick(), STRICT).code == DATA_LOSS


def test_sends_that_do_not_add_up_are_data_loss_and_say_so():
    verdict = judge(books(sent=10, acked=8, failed=1, unresolved=0), HEALTHY, STRICT)
    assert verdict.code == DATA_LOSS
    assert verdict.reason == "accounting does not add up: sent 10 != acked 8 + failed 1 + unresolved 0"


def test_a_negative_count_does_not_add_up_either():
    verdict = judge(books(sent=10, acked=10, failed=1, unresolved=-1), HEALTHY, SendPolicy(expect_failures=True))
    assert verdict.code == DATA_LOSS
    assert "(a count below zero)" in verdict.reason


def test_unreadable_messages_are_unhealthy():
    verdict = judge(books(unavailable=[("t", 1), ("t", 2)]), sick(), STRICT)
    assert verdict.code == UNHEALTHY
    assert "2 acknowledged messages unreadable" in verdict.reason


def test_nearly_every_send_failing_is_not_ok():
    verdict = judge(books(sent=10_000, acked=1, failed=9_999), HEALTHY, STRICT, {"KafkaTimeoutError": 9_999})
    assert verdict.code == UNHEALTHY
    assert verdict.reason.startswith("9999 of 10000 sends not acknowledged (failed 9999 "
                                     "{'KafkaTimeoutError': 9999}, unresolved 0): ratio 0.9999 exceeds "
                                     "--max-failed-ratio 0; pass --expect-failures")


def test_strict_default_fails_on_a_single_unresolved_send():
    verdict = judge(books(sent=10, acked=9, unresolved=1), HEALTHY, STRICT)
    assert verdict.code == UNHEALTHY
    assert "unresolved 1" in verdict.reason


@pytest.mark.parametrize(("ratio", "code"), [(0.0, UNHEALTHY), (0.19, UNHEALTHY), (0.2, OK), (1.0, OK)])
def test_the_threshold_is_the_largest_tolerated_share(ratio, code):
    accounting = books(sent=10, acked=8, failed=1, unresolved=1)
    assert judge(accounting, HEALTHY, SendPolicy(max_failed_ratio=ratio)).code == code


def test_expected_failures_do_not_fail_the_run():
    assert judge(books(sent=100, acked=10, failed=85, unresolved=5), HEALTHY, SendPolicy(expect_failures=True)).code \
        == OK


def test_expected_failures_still_need_one_acknowledgement():
    verdict = judge(books(sent=100, acked=0, failed=100), HEALTHY, SendPolicy(expect_failures=True))
    assert verdict.code == UNHEALTHY
    assert verdict.reason.startswith("no message was acknowledged")


def test_a_read_back_does_not_judge_the_sends_of_the_run_that_wrote():
    read_back = SendPolicy(judged=False)
    assert judge(books(sent=100, acked=10, failed=90), HEALTHY, read_back).code == OK
    assert judge(books(sent=0, acked=0), HEALTHY, read_back).code == OK


def test_a_run_that_only_writes_does_not_claim_a_read_back():
    verdict = judge(books(), HEALTHY, STRICT, read_back=False)
    assert verdict == Verdict(OK, "10 messages acknowledged; --consume-only with the state reads them back")


def test_an_unhealthy_cluster_and_failed_sends_are_both_named():
    verdict = judge(books(sent=10, acked=5, failed=5), sick(), STRICT)
    assert verdict.code == UNHEALTHY
    assert "under-replicated" in verdict.reason
    assert "--max-failed-ratio" in verdict.reason
    assert "\n" not in verdict.reason
