#!/usr/bin/env bash
# Make sure RabbitMQ answers on HOST:PORT (default 127.0.0.1:5672), starting a local one if needed.
# Usage: scripts/ensure_rabbitmq.sh [HOST] [PORT]
set -euo pipefail

host="${1:-127.0.0.1}"
port="${2:-5672}"
wait_seconds=60

answers() {
    timeout 2 bash -c "exec 3<>/dev/tcp/${host}/${port}" 2>/dev/null
}

if answers; then
    exit 0
fi

case "$host" in
    127.0.0.1 | localhost | ::1) ;;
    *)
        echo "RabbitMQ does not answer on ${host}:${port}, and that is not this machine: start it there." >&2
        exit 1
        ;;
esac

if ! command -v rabbitmq-server >/dev/null 2>&1; then
    cat >&2 <<EOF
RabbitMQ does not answer on ${host}:${port} and rabbitmq-server is not installed. Either:
  - Debian/Ubuntu:  sudo apt-get install rabbitmq-server   (it starts as a service)
  - Docker:         docker run -d --name loket-rabbitmq -p 5672:5672 -p 15672:15672 rabbitmq:3-management
then run this again.
EOF
    exit 1
fi

echo "Starting RabbitMQ (rabbitmq-server -detached)..."
rabbitmq-server -detached
# Polling the port rather than `rabbitmqctl await_startup`: the latter fails outright while the
# node is still booting, and the port is exactly what the services need.
for _ in $(seq "$wait_seconds"); do
    if answers; then
        echo "RabbitMQ answers on ${host}:${port}."
        exit 0
    fi
    sleep 1
done
echo "RabbitMQ did not answer on ${host}:${port} within ${wait_seconds} s." >&2
echo "Try 'sudo systemctl start rabbitmq-server', or see its log (rabbitmq-diagnostics log_location)." >&2
exit 1
