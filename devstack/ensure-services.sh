#!/usr/bin/env bash
# Make sure the real databases the tests use are running on loopback:
#   MariaDB    127.0.0.1:3306, root with an empty password, database `test`
#   PostgreSQL 127.0.0.1:5432, trust auth for user postgres
# Starts them when installed but stopped, installs them with apt-get when missing (root only),
# and fails loudly otherwise. Never skips.
set -uo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  local port=$1 name=$2
  for _ in $(seq 1 60); do port_open "$port" && return 0; sleep 0.5; done
  echo "ERROR: $name did not come up on 127.0.0.1:$port" >&2; return 1
}
need_root() {
  echo "ERROR: $1 is not installed and this is not root. Install it with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y $2" >&2
  exit 1
}
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "$@" >/dev/null
}

ensure_mariadb() {
  port_open 3306 && return 0
  if [ ! -x /usr/sbin/mariadbd ]; then
    [ "$(id -u)" = 0 ] || need_root MariaDB mariadb-server
    echo "Installing mariadb-server ..."
    apt_install mariadb-server mariadb-client || { echo "ERROR: apt-get install mariadb-server failed" >&2; exit 1; }
    fresh=1
  fi
  echo "Starting MariaDB ..."
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  wait_port 3306 MariaDB || exit 1
  if [ "${fresh:-0}" = 1 ]; then
    # Debian's root@localhost uses unix_socket only; the tests log in over TCP as root with no password.
    mariadb -uroot -e "ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket;
                       CREATE DATABASE IF NOT EXISTS test;" || exit 1
  fi
}

ensure_postgres() {
  port_open 5432 && return 0
  if [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    [ "$(id -u)" = 0 ] || need_root PostgreSQL postgresql
    echo "Installing postgresql ..."
    apt_install postgresql postgresql-client || { echo "ERROR: apt-get install postgresql failed" >&2; exit 1; }
    ver=$(ls /etc/postgresql | head -n1)
    hba=/etc/postgresql/$ver/main/pg_hba.conf
    sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)\S+/\1trust/; s/^(host\s+all\s+all\s+::1\/128\s+)\S+/\1trust/' "$hba"
  fi
  echo "Starting PostgreSQL ..."
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  wait_port 5432 PostgreSQL || exit 1
}

ensure_mariadb
ensure_postgres
exit 0
