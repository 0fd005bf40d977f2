"""Adding broker 4 on the spare host, rebalancing onto it and retiring it, in KRaft mode (the id unregistered)."""

from scale_out_suite import (  # noqa: F401 - pytest collects the imported tests and fixture
    fourth_host,
    test_scale_out_01_data_written_before_the_change,
    test_scale_out_02_adding_a_host_restarts_nothing_else,
    test_scale_out_03_dry_run_changes_nothing,
    test_scale_out_04_rebalance_moves_replicas_onto_the_new_broker,
    test_scale_out_05_every_acknowledged_message_survived_the_rebalance,
    test_scale_out_06_a_broker_holding_replicas_is_not_stopped,
    test_scale_out_07_decommission_moves_everything_away_then_stops,
    test_scale_out_08_the_retired_id_is_gone_from_the_metadata,
)
