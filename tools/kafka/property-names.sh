#!/usr/bin/env bash
# Prints the broker and controller property names a Kafka release knows (KafkaConfig's ConfigDef),
# read from the release's own jars, in the format of roles/kafka/files/kafka-*-properties.txt:
#   tools/kafka/property-names.sh build/mirror/kafka/4.4.0/kafka_2.13-4.4.0.tgz > roles/kafka/files/kafka-4.4-properties.txt
set -euo pipefail
archive=${1:?usage: $0 KAFKA_ARCHIVE.tgz}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf "$archive" -C "$work" --wildcards '*/libs/*.jar'
libs=$(echo "$work"/*/libs)
version=$(basename "$(dirname "$libs")" | sed 's/^kafka_[0-9.]*-//')
cat > "$work/Names.java" <<'JAVA'
public class Names {
  public static void main(String[] args) {
    new java.util.TreeSet<>(kafka.server.KafkaConfig.configDef().names()).forEach(System.out::println);
  }
}
JAVA
javac -nowarn -cp "$libs/*" -d "$work" "$work/Names.java"
echo "# Broker property names of Kafka ${version%.*} (KafkaConfig.configDef().names() of $version), for the unknown-name warning."
java -cp "$libs/*:$work" Names
