"""Proves a Kafka cluster keeps every acknowledged message (kafka-python 3.x).

Run ``python -m kafka_verify --help``; ``python -m kafka_verify.topics --help`` manages topics
declaratively; ``python -m kafka_verify.bundle`` builds a single-file zipapp for hosts that have
Python but no pip.
"""

__version__ = "1.0.0"
