#!/usr/bin/env bash
# trogdor.sh {agent|coordinator|client|agent-client|help} [options]: Kafka's fault injection and
# workload framework (see TROGDOR.md upstream).
set -eu
usage() {
  cat <<USAGE
The Trogdor fault injector.

Usage:
  $0 [action] [options]

Actions:
  agent: Run the trogdor agent.
  coordinator: Run the trogdor coordinator.
  client: Run the client which communicates with the trogdor coordinator.
  agent-client: Run the client which communicates with the trogdor agent.
  help: This help message.
USAGE
}
if [ $# -lt 1 ]; then
  usage
  exit 0
fi
action=$1
shift
case "$action" in
  agent) class=org.apache.kafka.trogdor.agent.Agent ;;
  coordinator) class=org.apache.kafka.trogdor.coordinator.Coordinator ;;
  client) class=org.apache.kafka.trogdor.coordinator.CoordinatorClient ;;
  agent-client) class=org.apache.kafka.trogdor.agent.AgentClient ;;
  help) usage; exit 0 ;;
  *) echo "Unknown action '$action'.  Type '$0 help' for help." >&2; exit 1 ;;
esac
exec "$(dirname "$0")/kafka-run-class.sh" "$class" "$@"
