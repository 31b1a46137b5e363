#!/usr/bin/env bash
# Starts a PostgreSQL of its own with TLS, for the TLS tests: usage
#   tls_postgres.sh DIR PORT SAN
# makes a CA (DIR/ca.pem), a second CA nobody signed with (DIR/other-ca.pem) and a server
# certificate from the first for SAN (an openssl subjectAltName value, e.g. DNS:localhost),
# starts postgres on 127.0.0.1:PORT with ssl=on and trust authentication for user postgres, and
# prints the postmaster's pid; the caller stops it by that pid (SIGINT for a fast shutdown).
# As root, the server runs as the postgres user, which owns DIR.
set -euo pipefail
dir=$1 port=$2 san=$3
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x $bin/initdb ]] || bin=$(dirname "$(command -v initdb)")
cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
  -subj "/CN=sluice test CA" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days 2 \
  -subj "/CN=sluice other CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
  -subj "/CN=sluice test server" 2>/dev/null
printf 'subjectAltName=%s\n' "$san" > ext.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
  -days 2 -extfile ext.cnf 2>/dev/null
chmod 600 server.key
as_owner() { "$@"; }
if [[ $(id -u) == 0 ]]; then
  chown -R postgres "$dir"
  as_owner() { runuser -u postgres -- "$@"; }
fi
as_owner "$bin/initdb" -D "$dir/data" --auth=trust -U postgres --encoding=UTF8 --locale=C.UTF-8 \
  > initdb.log 2>&1 || { cat initdb.log >&2; exit 1; }
as_owner "$bin/postgres" -D "$dir/data" -c listen_addresses=127.0.0.1 -c port="$port" \
  -c unix_socket_directories="$dir" -c ssl=on -c ssl_cert_file="$dir/server.pem" \
  -c ssl_key_file="$dir/server.key" -c fsync=off > server.log 2>&1 < /dev/null &
pid=$!
for _ in $(seq 200); do
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres && break
  kill -0 "$pid" 2> /dev/null || { cat server.log >&2; exit 1; }
  sleep 0.1
done
echo "$pid"
