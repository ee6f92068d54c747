#!/bin/sh
# Cache-hit throughput and latency of the cfinv edge versus nginx's
# proxy_cache in front of the same origin. Needs wrk and nginx
# (Debian: apt-get install -y wrk nginx). Run from the repository root:
#   sh bench/edge/run.sh [seconds]
set -eu
DUR=${1:-10}
TMP=$(mktemp -d)
go build -o "$TMP/edge" ./bench/edge
"$TMP/edge" -origin 127.0.0.1:9180 -edge 127.0.0.1:9181 2>"$TMP/edge.log" &
EDGE=$!
mkdir -p "$TMP/nginx/cache"
cat >"$TMP/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx; proxy_temp_path $TMP/nginx; fastcgi_temp_path $TMP/nginx;
  uwsgi_temp_path $TMP/nginx; scgi_temp_path $TMP/nginx;
  proxy_cache_path $TMP/nginx/cache keys_zone=edge:10m max_size=256m;
  server {
    listen 127.0.0.1:9182;
    location / {
      proxy_pass http://127.0.0.1:9180;
      proxy_cache edge;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      add_header X-Cache \$upstream_cache_status;
    }
  }
}
CONF
chmod 755 "$TMP"; chmod -R a+rwX "$TMP/nginx"  # workers run as an unprivileged user
nginx -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx"
trap 'kill $EDGE; nginx -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" -s stop; rm -rf "$TMP"' EXIT
sleep 1
curl -s -o /dev/null -D - -H 'Host: ebench.localhost' http://127.0.0.1:9181/obj.html | grep -i x-cache
curl -s -o /dev/null -D - -H 'Host: ebench.localhost' http://127.0.0.1:9181/obj.html | grep -i x-cache
curl -s -o /dev/null -D - http://127.0.0.1:9182/obj.html | grep -i x-cache
curl -s -o /dev/null -D - http://127.0.0.1:9182/obj.html | grep -i x-cache
echo "== cfinv edge"
wrk -t2 -c32 -d"${DUR}s" --latency -H 'Host: ebench.localhost' http://127.0.0.1:9181/obj.html
echo "== nginx proxy_cache"
wrk -t2 -c32 -d"${DUR}s" --latency http://127.0.0.1:9182/obj.html
