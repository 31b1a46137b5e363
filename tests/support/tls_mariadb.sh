#!/usr/bin/env bash
# Starts a MariaDB of its own with TLS, for the MySQL TLS tests: usage
#   tls_mariadb.sh DIR PORT SAN
# makes a CA (DIR/ca.pem) and a server certificate for SAN (an openssl subjectAltName value,
# e.g. DNS:localhost), starts mariadbd on 127.0.0.1:PORT with them, adds user u (password
# pw123456) and database d, and prints the server's pid; the caller stops it by that pid.
set -euo pipefail
dir=$1 port=$2 san=$3
cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
  -subj "/CN=sluice test CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
  -subj "/CN=sluice test server" 2>/dev/null
printf 'subjectAltName=%s\n' "$san" > ext.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
  -days 2 -extfile ext.cnf 2>/dev/null
mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal \
  > install.log 2>&1
mariadbd --no-defaults --datadir="$dir/data" --socket="$dir/m.sock" --port="$port" \
  --bind-address=127.0.0.1 --pid-file="$dir/m.pid" --user="$(id -un)" --skip-log-bin \
  --ssl-ca="$dir/ca.pem" --ssl-cert="$dir/server.pem" --ssl-key="$dir/server.key" \
  > server.log 2>&1 < /dev/null &
pid=$!
for _ in $(seq 200); do
  mysql --no-defaults -S "$dir/m.sock" -uroot -e "SELECT 1" > /dev/null 2>&1 && break
  kill -0 "$pid" 2> /dev/null || { cat server.log >&2; exit 1; }
  sleep 0.1
done
# The anonymous users mariadb-install-db makes would take u's place from localhost.
mysql --no-defaults -S "$dir/m.sock" -uroot -e "DELETE FROM mysql.global_priv WHERE User='';
  FLUSH PRIVILEGES; CREATE USER 'u'@'%' IDENTIFIED BY 'pw123456';
  GRANT ALL ON *.* TO 'u'@'%'; CREATE DATABASE d"
echo "$pid"
