#!/usr/bin/env bash
# Installs what the lab and the tests need on the machine that runs them (Debian or Ubuntu, as
# root): the Docker engine, debootstrap for the lab's base image, Maven and a JDK for the
# archives and the rendering tests, Python's venv, make. Starts the Docker engine when it is not
# running. Installs only what is missing, so a second run changes nothing and says so.
# Used by `make lab` and by CI (.ci/run).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

wanted=(docker.io debootstrap maven openjdk-17-jdk-headless python3-venv make)

missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing ${missing[*]}; run this script as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 2
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "install-deps: installed ${missing[*]}"
else
  echo "install-deps: nothing to install (${wanted[*]} present)"
fi

if ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps: the Docker engine is not running and only root can start it" >&2
    exit 2
  fi
  if [ -d /run/systemd/system ]; then
    systemctl start docker
  else
    # No systemd (a container or a minimal VM): run the engine detached from this shell.
    setsid nohup dockerd >/var/log/dockerd.log 2>&1 </dev/null &
  fi
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "install-deps: the Docker engine did not start; see /var/log/dockerd.log" >&2; exit 1; }
  echo "install-deps: started the Docker engine"
fi
docker info --format 'install-deps: docker engine {{.ServerVersion}}, cgroup {{.CgroupVersion}}'
