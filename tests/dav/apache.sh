#!/usr/bin/env bash
# Starts Apache httpd with mod_dav on 127.0.0.1 from a private config in a
# temp dir: the reference WebDAV server the scripts in tests/dav are checked
# against, and a peer for benchmarks.
#
# Usage: tests/dav/apache.sh [COMMAND ARGS...]
#
# With a command: starts Apache, runs the command with DAV_URL, DAV_USER and
# DAV_PASS in its environment (DAV_URL is the writable collection, ending in
# "/"), stops Apache and exits with the command's status. For example
#
#   tests/dav/apache.sh sh -c 'tests/dav/litmus.sh "$DAV_URL" "$DAV_USER" "$DAV_PASS"'
#
# Without a command: prints the URL and credentials and serves until
# interrupted (Ctrl-C). Needs apache2 (Debian layout of modules) and htpasswd.
# APACHE_PORT picks the port (default: a free one); APACHE_THREADS the worker
# threads (default 64).
set -euo pipefail

for tool in apache2 htpasswd python3; do
  command -v "$tool" >/dev/null || { echo "apache.sh: $tool is missing (apt-get install apache2 apache2-utils)" >&2; exit 2; }
done
mods=${APACHE_MODULES:-/usr/lib/apache2/modules}
[ -f "$mods/mod_dav_fs.so" ] || { echo "apache.sh: no mod_dav_fs.so in $mods" >&2; exit 2; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/dav-apache.XXXXXX")
pid=""
stop() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

port=${APACHE_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
threads=${APACHE_THREADS:-64}
user=dav
pass=dav-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
mkdir -p "$dir/www/dav" "$dir/lock" "$dir/run" "$dir/logs"
htpasswd -bcB "$dir/htpasswd" "$user" "$pass" 2>/dev/null

run_as=""
if [ "$(id -u)" = 0 ]; then
  # httpd refuses to serve as root; its children run as www-data, who must
  # reach the temp dir and write the collection and the lock database.
  run_as="User www-data
Group www-data"
  chmod 755 "$dir"
  chown -R www-data:www-data "$dir/www" "$dir/lock"
  chown www-data "$dir/run"
  chmod 644 "$dir/htpasswd"
fi

cat >"$dir/httpd.conf" <<EOF
ServerRoot "$dir"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$dir/run/httpd.pid"
DefaultRuntimeDir "$dir/run"
Mutex file:$dir/run default
ErrorLog "$dir/logs/error.log"
LogLevel warn
$run_as

LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authn_core_module $mods/mod_authn_core.so
LoadModule authn_file_module $mods/mod_authn_file.so
LoadModule auth_basic_module $mods/mod_auth_basic.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule authz_user_module $mods/mod_authz_user.so
LoadModule mime_module $mods/mod_mime.so
LoadModule dav_module $mods/mod_dav.so
LoadModule dav_fs_module $mods/mod_dav_fs.so

StartServers 1
ServerLimit 4
ThreadsPerChild $threads
MaxRequestWorkers $((threads * 4))
KeepAlive On
MaxKeepAliveRequests 0
Timeout 120
TypesConfig /etc/mime.types
LimitRequestBody 0

DocumentRoot "$dir/www"
DavLockDB "$dir/lock/DavLock"
<Directory />
  AllowOverride None
  Require all denied
</Directory>
<Directory "$dir/www/dav">
  DAV On
  AuthType Basic
  AuthName "dav"
  AuthBasicProvider file
  AuthUserFile "$dir/htpasswd"
  Require valid-user
</Directory>
EOF

apache2 -f "$dir/httpd.conf" -DFOREGROUND &
pid=$!
url="http://127.0.0.1:$port/dav/"
for _ in $(seq 1 100); do
  code=$(python3 - "$url" <<'PY' 2>/dev/null || true
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=1)
    print(200)
except urllib.error.HTTPError as e:
    print(e.code)
PY
)
  [ "$code" = 401 ] && break
  kill -0 "$pid" 2>/dev/null || { echo "apache.sh: httpd exited:" >&2; cat "$dir/logs/error.log" >&2; exit 1; }
  sleep 0.1
done
[ "${code:-}" = 401 ] || { echo "apache.sh: httpd did not answer on $url" >&2; cat "$dir/logs/error.log" >&2; exit 1; }

export DAV_URL="$url" DAV_USER="$user" DAV_PASS="$pass"
if [ "$#" -gt 0 ]; then
  status=0
  "$@" || status=$?
  exit "$status"
fi
echo "Apache mod_dav on $DAV_URL  user $DAV_USER  password $DAV_PASS  (Ctrl-C stops)"
wait "$pid"
