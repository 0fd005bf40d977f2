"""The verifier's accounting: every check is shown to fire when its condition occurs."""

from kafka_verify.accounting import Ack, Read, account, consume_targets, longest_stall, problems_per_second

RUN = "run1"


def acks(*rows):
    return [Ack(topic, partition, offset, seq) for topic, partition, offset, seq in rows]


def reads(*rows, run=RUN):
    return [Read(topic, partition, offset, run, seq, True) for topic, partition, offset, seq in rows]


BASE = [("t", 0, 10, 0), ("t", 0, 11, 2), ("t", 1, 5, 1)]


def test_everything_read_back_is_ok():
    result = account(RUN, 3, acks(*BASE), 0, reads(*BASE))
    assert result.ok
    assert result.counts()["read"] == 3
    assert result.counts()["lost"] == 0


def test_lost_when_an_acknowledged_message_is_missing():
    result = account(RUN, 3, acks(*BASE), 0, reads(*BASE[:2]))
    assert not result.ok
    assert result.lost == [("t", 1)]


def test_unavailable_rather_than_lost_on_an_unreadable_partition():
    result = account(RUN, 3, acks(*BASE), 0, reads(*BASE[:2]), unavailable_partitions={("t", 1)})
    assert result.lost == []
    assert result.unavailable == [("t", 1)]
    assert not result.ok


def test_duplicated_when_read_at_two_offsets():
    result = account(RUN, 3, acks(*BASE), 0, reads(*BASE, ("t", 0, 12, 0)))
    assert result.duplicated == [("t", 0)]
    assert not result.ok


def test_reordered_when_offsets_do_not_follow_send_order():
    swapped = [("t", 0, 10, 2), ("t", 0, 11, 0), ("t", 1, 5, 1)]
    result = account(RUN, 3, acks(*swapped), 0, reads(*swapped))
    assert result.reordered == [("t", 0)]
    assert not result.ok


def test_misplaced_when_read_elsewhere_than_acknowledged():
    result = account(RUN, 3, acks(*BASE), 0, reads(("t", 0, 10, 0), ("t", 0, 11, 2), ("t", 1, 6, 1)))
    assert result.misplaced == [("t", 1)]
    assert not result.ok


def test_corrupted_when_the_digest_does_not_match():
    damaged = [*reads(*BASE[:2]), Read("t", 1, 5, RUN, 1, False)]
    result = account(RUN, 3, acks(*BASE), 0, damaged)
    assert result.corrupted == [("t", 1, 5)]
    assert not result.ok


def test_failed_sends_may_or_may_not_appear():
    # seq 3 was never acknowledged (timed out) but was written: reported, not an error.
    result = account(RUN, 4, acks(*BASE), 1, reads(*BASE, ("t", 1, 6, 3)))
    assert result.ok
    assert result.unacked_read == 1
    assert result.failed == 1


def test_other_runs_messages_are_ignored():
    result = account(RUN, 3, acks(*BASE), 0, reads(*BASE) + reads(("t", 0, 1, 0), run="old"))
    assert result.ok
    assert result.foreign == 1


def test_longest_stall_counts_from_the_start_and_until_the_end():
    assert longest_stall(0.0, [1.0, 1.5, 4.0], 4.5) == 2.5
    assert longest_stall(0.0, [], 3.0) == 3.0


def test_consume_targets():
    first, last = consume_targets(acks(*BASE))
    assert first == {("t", 0): 10, ("t", 1): 5}
    assert last == {("t", 0): 11, ("t", 1): 5}


def test_acks_per_second():
    from kafka_verify.accounting import acks_per_second

    assert acks_per_second(10.0, [10.2, 10.9, 12.5]) == [2, 0, 1]
    assert acks_per_second(10.0, []) == []


TWO_PARTITIONS = [("t", 0, 10, 0), ("t", 1, 5, 1), ("t", 0, 11, 2), ("t", 1, 6, 3)]


def test_missing_on_a_led_partition_is_lost_while_a_leaderless_one_is_unavailable():
    # Partition 1 had no leader at the end; partition 0 did, so what it lacks is gone.
    result = account(RUN, 4, acks(*TWO_PARTITIONS), 0, [], unavailable_partitions={("t", 1)})
    assert result.lost == [("t", 0), ("t", 2)]
    assert result.unavailable == [("t", 1), ("t", 3)]


def test_unread_messages_before_where_reading_stopped_are_lost_even_without_a_leader():
    # Reading reached offset 6 of partition 1 and found nothing at 5: that one was passed over.
    result = account(RUN, 4, acks(*TWO_PARTITIONS), 0, reads(("t", 0, 10, 0), ("t", 0, 11, 2)),
                     unavailable_partitions={("t", 1): 6}, read_up_to={("t", 1): 6})
    assert result.lost == [("t", 1)]
    assert result.unavailable == [("t", 3)]


def test_unresolved_sends_are_counted_and_must_add_up():
    result = account(RUN, 6, acks(*BASE), 1, reads(*BASE), unresolved=2)
    assert result.ok
    assert result.counts()["unresolved"] == 2
    assert result.imbalance() is None
    short = account(RUN, 7, acks(*BASE), 1, reads(*BASE), unresolved=2)
    assert not short.ok
    assert short.imbalance() == "accounting does not add up: sent 7 != acked 3 + failed 1 + unresolved 2"


def test_counts_keep_their_keys_and_add_unresolved():
    assert list(account(RUN, 3, acks(*BASE), 0, reads(*BASE)).counts()) == [
        "sent", "acked", "failed", "unresolved", "read", "lost", "unavailable", "duplicated", "reordered",
        "misplaced", "corrupted", "unacked_read", "foreign"]


def test_problems_are_placed_at_the_second_they_were_acknowledged():
    started = 100.0
    timed = [Ack("t", 0, 10, 0, acked_at=100.4), Ack("t", 0, 11, 2, acked_at=112.9), Ack("t", 1, 5, 1, acked_at=112.1),
             Ack("t", 1, 6, 3, acked_at=130.0)]
    # seq 2 and 1 lost (second 12), seq 0 read twice (second 0), seq 9 never acknowledged but read twice.
    result = account(RUN, 5, timed, 1, reads(("t", 0, 10, 0), ("t", 0, 12, 0), ("t", 1, 6, 3),
                                             ("t", 1, 7, 9), ("t", 1, 8, 9)))
    assert problems_per_second(result, timed, started) == {
        "lost": [[12, 2]], "unavailable": [], "duplicated": [[-1, 1], [0, 1]]}


def test_no_problem_no_second():
    result = account(RUN, 3, acks(*BASE), 0, reads(*BASE))
    assert problems_per_second(result, acks(*BASE), 0.0) == {"lost": [], "unavailable": [], "duplicated": []}
