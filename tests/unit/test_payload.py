"""The message format: attributable and tamper-evident."""

from kafka_verify import payload


def test_round_trip():
    value = payload.encode("run1", "topic", 42, 200)
    decoded = payload.decode(value, "topic")
    assert (decoded.run_id, decoded.seq, decoded.intact) == ("run1", 42, True)
    assert 150 <= len(value) <= 260


def test_a_changed_byte_is_detected():
    value = bytearray(payload.encode("run1", "topic", 42, 200))
    value[-1] = ord("x") if value[-1] != ord("x") else ord("y")
    assert payload.decode(bytes(value), "topic").intact is False


def test_a_message_moved_to_another_topic_is_detected():
    assert payload.decode(payload.encode("run1", "a", 1, 100), "b").intact is False


def test_foreign_values_are_not_ours():
    assert payload.decode(b"hello", "t") is None
    assert payload.decode(None, "t") is None
    assert payload.decode(b"\xff\xfe", "t") is None
