#!/usr/bin/env bash
# zkServer-initialize.sh [--config DIR] [--configfile=FILE] [--myid=N] [--force]
# Prepares empty data (and transaction log) directories for a new server, with its myid, so
# that it can run with ZOO_DATADIR_AUTOCREATE_DISABLE set. Refuses to touch existing data
# unless --force is given.
set -euo pipefail
# shellcheck source=zkEnv.sh
. "$(dirname "$0")/zkEnv.sh"
shift "$ZK_ENV_SHIFT"

usage() {
  cat <<USAGE
usage: $0 <parameters>
  Optional parameters:
     -h                   Display this message
     --help               Display this message
     --configfile=FILE    ZooKeeper config file ($ZOOCFG)
     --myid=#             Set the myid to be used, if any (1-255)
     --force              Force creation of the data/txnlog dirs
USAGE
  exit 1
}

myid=""
force=false
while [ $# -gt 0 ]; do
  case "$1" in
    --configfile) [ $# -ge 2 ] || usage; ZOOCFG=$2; shift 2 ;;
    --configfile=?*) ZOOCFG=${1#*=}; shift ;;
    --myid) [ $# -ge 2 ] || usage; myid=$2; shift 2 ;;
    --myid=?*) myid=${1#*=}; shift ;;
    --force) force=true; shift ;;
    -h|--help) usage ;;
    *) echo "Unknown option: $1"; usage ;;
  esac
done

if [ ! -e "$ZOOCFG" ]; then
  echo "Unable to find config file at $ZOOCFG"
  exit 1
fi
value() { sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$ZOOCFG" | tail -n 1 | tr -d '[:space:]'; }
data_dir=$(value dataDir)
data_log_dir=$(value dataLogDir)
if [ -z "$data_dir" ]; then
  echo "Unable to determine dataDir from $ZOOCFG"
  exit 1
fi

if $force; then
  echo "Force enabled, data/txnlog directories will be re-initialized"
else
  # version-2 holds the data; its parent may have been made (and its permissions set) apart.
  if [ -d "$data_dir/version-2" ]; then
    echo "ZooKeeper data directory already exists at $data_dir (or use --force to force re-initialization)"
    exit 1
  fi
  if [ -n "$data_log_dir" ] && [ -d "$data_log_dir/version-2" ]; then
    echo "ZooKeeper txnlog directory already exists at $data_log_dir (or use --force to force re-initialization)"
    exit 1
  fi
fi

for dir in "$data_dir" ${data_log_dir:+"$data_log_dir"}; do
  rm -rf "${dir:?}/myid" "${dir:?}/version-2"
  mkdir -p "$dir/version-2"
done
if [ -n "$myid" ]; then
  echo "Using myid of $myid"
  echo "$myid" >"$data_dir/myid"
else
  echo "No myid provided, be sure to specify it in $data_dir/myid if using non-standalone"
fi
touch "$data_dir/initialize"
