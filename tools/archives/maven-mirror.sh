#!/usr/bin/env bash
# Serves what the roles download from Maven Central, laid out like it, under MIRROR/maven2/ (the
# lab's mirror, beside the archives build.sh writes): the Prometheus JMX exporter agent that
# kafka_metrics installs (JMX_EXPORTER_VERSION, 1.0.1), copied unchanged, since the roles pin its
# SHA-256. A jar already there is kept.
#
# Usage: tools/archives/maven-mirror.sh [MIRROR_DIR]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mirror=$(mkdir -p "${1:-$here/../../build/mirror}" && cd "${1:-$here/../../build/mirror}" && pwd)
version=${JMX_EXPORTER_VERSION:-1.0.1}

command -v mvn >/dev/null || { echo "maven-mirror.sh: 'mvn' is missing; install it (Debian: apt-get install maven)" >&2; exit 2; }

dir=$mirror/maven2/io/prometheus/jmx/jmx_prometheus_javaagent/$version
jar=$dir/jmx_prometheus_javaagent-$version.jar
if [ -f "$jar" ]; then
  echo "reused  $jar"
  exit 0
fi
mkdir -p "$dir"
mvn -B -q -Dstyle.color=never dependency:copy "-Dartifact=io.prometheus.jmx:jmx_prometheus_javaagent:$version" \
  -DoutputDirectory="$dir" 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d' >&2
[ -f "$jar" ] || { echo "maven-mirror.sh: Maven did not fetch $jar" >&2; exit 1; }
echo "fetched $jar"
