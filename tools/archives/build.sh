#!/usr/bin/env bash
# Builds Kafka and ZooKeeper archives with the official layout from Maven Central jars, for
# machines that cannot reach the Apache download site, into a tree laid out like the Apache
# archive (MIRROR/kafka/V/kafka_S-V.tgz, MIRROR/zookeeper/zookeeper-V/apache-zookeeper-V-bin.tar.gz),
# each with a .sha512 beside it. An archive whose recipe has not changed is reused.
#
# Usage: tools/archives/build.sh [MIRROR_DIR]
# Versions: KAFKA_VERSIONS (3.9.2 3.9.1 4.4.0 4.3.1: the release the roles install, the one the
# upgrade test starts from, the KRaft-only 4.x release and the one its upgrade test starts from),
# KAFKA_SCALA_VERSION (2.13), ZOOKEEPER_VERSION (3.8.6). A Kafka version takes the recipe of its
# major version: tools/archives/kafka/ for 3.x, tools/archives/kafka4/ for 4.x and later (Log4j 2,
# no ZooKeeper).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mirror=$(mkdir -p "${1:-$here/../../build/mirror}" && cd "${1:-$here/../../build/mirror}" && pwd)
kafka_versions=${KAFKA_VERSIONS:-${KAFKA_VERSION:-3.9.2 3.9.1 4.4.0 4.3.1}}
scala_version=${KAFKA_SCALA_VERSION:-2.13}
zookeeper_version=${ZOOKEEPER_VERSION:-3.8.6}

for tool in mvn tar gzip sha512sum; do
  command -v "$tool" >/dev/null || { echo "build.sh: '$tool' is missing; install it (Debian: apt-get install maven tar gzip coreutils)" >&2; exit 2; }
done

kafka_recipe() { # version: the recipe directory that builds it
  case "$1" in
    [0-2].*|3.*) echo kafka ;;
    [4-9].*|[1-9][0-9]*.*) echo kafka4 ;;
    *) echo "build.sh: '$1' is not a Kafka version" >&2; return 1 ;;
  esac
}

recipe_digest() { # component version: digest of everything that shapes the archive
  { echo "$2"; cat "$here/build.sh"; find "$here/$1" -type f | LC_ALL=C sort | xargs sha256sum; } | sha256sum | cut -d' ' -f1
}

# component version top_dir archive_path jars_subdir maven_property
build_one() {
  local component=$1 version=$2 top=$3 archive=$4 jars=$5 property=$6
  local digest stamp stage
  digest=$(recipe_digest "$component" "$version")
  stamp=$archive.recipe
  if [ -f "$archive" ] && [ -f "$archive.sha512" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$digest" ] \
     && (cd "$(dirname "$archive")" && sha512sum --quiet -c "$(basename "$archive").sha512"); then
    echo "reused  $archive"
    return
  fi
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' RETURN
  mkdir -p "$stage/$top/$jars" "$(dirname "$archive")"
  cp -R "$here/$component/." "$stage/$top/"
  rm -rf "$stage/$top/pom.xml" "$stage/$top/BUILD-NOTES" "$stage/$top"/release-*
  # A minor release whose launchers differ from the recipe's (release-X.Y/: files that replace
  # the recipe's, REMOVED: what that release has not).
  local release=$here/$component/release-${version%.*}
  if [ -d "$release" ]; then
    (cd "$release" && find . -type f ! -name REMOVED -exec cp -p --parents {} "$stage/$top/" \;)
    grep -v '^#' "$release/REMOVED" 2>/dev/null | while read -r path; do
      [ -z "$path" ] || rm -f "$stage/$top/$path"
    done
  fi
  mvn -B -q -Dstyle.color=never -f "$here/$component/pom.xml" "-D$property=$version" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$stage/$top/$jars" 2>&1 \
    | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^$/d' >&2
  {
    echo "Built by kafka-toolkit tools/archives/build.sh from Maven Central artifacts."
    echo "Layout follows the official Apache distribution; jars:"
    (cd "$stage/$top/$jars" && ls -1)
    # What the recipe knows the official archive has and this one has not.
    if [ -f "$here/$component/BUILD-NOTES" ]; then echo; cat "$here/$component/BUILD-NOTES"; fi
  } >"$stage/$top/BUILD-INFO"
  # Fixed owner, order and timestamps: the same recipe gives the same bytes and checksum.
  tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner \
    --mtime='2000-01-01 00:00:00Z' -cf - "$top" | gzip -n -9 >"$archive.tmp"
  mv "$archive.tmp" "$archive"
  (cd "$(dirname "$archive")" && sha512sum "$(basename "$archive")" >"$(basename "$archive").sha512")
  echo "$digest" >"$stamp"
  echo "built   $archive"
}

for kafka_version in $kafka_versions; do
  recipe=$(kafka_recipe "$kafka_version")
  build_one "$recipe" "$kafka_version" "kafka_$scala_version-$kafka_version" \
    "$mirror/kafka/$kafka_version/kafka_$scala_version-$kafka_version.tgz" libs kafka.version
done
build_one zookeeper "$zookeeper_version" "apache-zookeeper-$zookeeper_version-bin" \
  "$mirror/zookeeper/zookeeper-$zookeeper_version/apache-zookeeper-$zookeeper_version-bin.tar.gz" lib zookeeper.version
