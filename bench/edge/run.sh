#!/bin/sh
# Cache-hit throughput of the cfinv edge versus nginx's proxy_cache in
# front of the same origin, and of a bare net/http handler (the floor of
# any net/http server here: "floor", and "floor14" with the 14 headers of
# an edge hit). Both caches add the same headers: the edge its
# CloudFront ones (X-Cache, Via, X-Amz-Cf-Pop, X-Amz-Cf-Id, Age) and the
# managed SecurityHeadersPolicy's five, nginx X-Cache and the same five.
#
# The edge runs twice, on net/http ("edge", cfinv serve's default) and on
# fasthttp ("fastedge", --edge-server fasthttp), sharing one cache.
#
# Each round runs wrk (2 threads, 32 connections, always the same 1 KiB
# object, so every measured request is a hit) against every server,
# in an order that rotates from round to round; the summary gives each
# server's median and range over the rounds and the edge/nginx ratio
# (the ratio of the medians, and the range of the per-round ratios).
#
# It then counts the Go servers' heap allocations per hit, which unlike
# req/s do not depend on the machine's load.
#
# With BEFORE=path/to/binary (bench/edge built from another commit) that
# edge runs too, as "before", in the same rotation.
#
# Needs wrk and nginx (Debian packages). When one is missing and this runs
# as root it installs them with apt-get; otherwise, or if that fails, it
# stops with an error. Run from the repository root:
#   sh bench/edge/run.sh [seconds per run] [rounds]
set -eu
DUR=${1:-5}
ROUNDS=${2:-5}
for tool in wrk nginx; do
	if ! command -v "$tool" >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y wrk nginx >&2 || true
	fi
	command -v "$tool" >/dev/null 2>&1 || { echo "bench/edge: $tool not found: apt-get install -y wrk nginx" >&2; exit 1; }
done
TMP=$(mktemp -d)
go build -o "$TMP/edge" ./bench/edge
"$TMP/edge" -origin 127.0.0.1:9180 -edge 127.0.0.1:9181 -edge-fasthttp 127.0.0.1:9185 -floor 127.0.0.1:9183 -stats 127.0.0.1:9184 2>"$TMP/edge.log" &
EDGE=$!
servers="edge fastedge nginx floor floor14"
if [ -n "${BEFORE:-}" ]; then
	"$BEFORE" -origin 127.0.0.1:9190 -edge 127.0.0.1:9191 -stats 127.0.0.1:9194 2>"$TMP/before.log" &
	EDGE="$EDGE $!"
	servers="edge fastedge before nginx floor floor14"
fi
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
      add_header X-XSS-Protection "1; mode=block";
      add_header X-Frame-Options SAMEORIGIN;
      add_header Referrer-Policy strict-origin-when-cross-origin;
      add_header X-Content-Type-Options nosniff;
      add_header Strict-Transport-Security max-age=31536000;
    }
  }
}
CONF
chmod 755 "$TMP"; chmod -R a+rwX "$TMP/nginx"  # workers run as an unprivileged user
nginx -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx"
trap 'kill $EDGE; nginx -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" -s stop; rm -rf "$TMP"' EXIT
sleep 1

url_edge=http://127.0.0.1:9181/obj.html
url_nginx=http://127.0.0.1:9182/obj.html
url_floor=http://127.0.0.1:9183/obj.html
url_before=http://127.0.0.1:9191/obj.html
url_floor14=http://127.0.0.1:9183/headers.html
url_fastedge=http://127.0.0.1:9185/obj.html
hdr() { # server: the response headers of one GET
	if [ "$1" = edge ] || [ "$1" = before ] || [ "$1" = fastedge ]; then
		eval curl -sf -o /dev/null -D - -H "'Host: ebench.localhost'" "\$url_$1"
	else
		eval curl -sf -o /dev/null -D - "\$url_$1"
	fi
}
# Prime both caches; the second request must be a hit with every header.
for s in $servers; do hdr $s >/dev/null; done
hdr edge >"$TMP/edge.hdr"
hdr fastedge >"$TMP/fastedge.hdr"
hdr nginx >"$TMP/nginx.hdr"
for h in 'X-Cache: Hit from cloudfront' 'Via: 1.1 ' 'X-Amz-Cf-Pop: ' 'X-Amz-Cf-Id: ' 'Age: ' 'X-Frame-Options: ' 'Strict-Transport-Security: '; do
	grep -qi "^$h" "$TMP/edge.hdr" || { echo "bench/edge: edge hit lacks $h:" >&2; cat "$TMP/edge.hdr" >&2; exit 1; }
	grep -qi "^$h" "$TMP/fastedge.hdr" || { echo "bench/edge: fasthttp edge hit lacks $h:" >&2; cat "$TMP/fastedge.hdr" >&2; exit 1; }
done
grep -qi '^X-Cache: HIT' "$TMP/nginx.hdr" || { echo "bench/edge: nginx did not hit:" >&2; cat "$TMP/nginx.hdr" >&2; exit 1; }
echo "== a hit's headers: cfinv edge"; tr -d '\r' <"$TMP/edge.hdr"
echo "== a hit's headers: cfinv edge on fasthttp"; tr -d '\r' <"$TMP/fastedge.hdr"
echo "== a hit's headers: nginx"; tr -d '\r' <"$TMP/nginx.hdr"

run() { # server: requests/s of one wrk run
	if [ "$1" = edge ] || [ "$1" = before ] || [ "$1" = fastedge ]; then
		eval wrk -t2 -c32 -d"${DUR}s" -H "'Host: ebench.localhost'" "\$url_$1"
	else
		eval wrk -t2 -c32 -d"${DUR}s" "\$url_$1"
	fi | awk '/^Requests\/sec:/ { printf "%d\n", $2 }'
}
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$TMP/results"
order=$servers
i=1
while [ "$i" -le "$ROUNDS" ]; do
	line="round $i:"
	for s in $order; do
		r=$(run "$s")
		echo "$i $s $r" >>"$TMP/results"
		line="$line $s $r"
	done
	echo "$line"
	set -- $order; first=$1; shift; order="$* $first" # rotate
	i=$((i + 1))
done
# Heap allocations per request of the Go servers: the process's malloc
# count around one more wrk run, over the requests wrk made (origin idle:
# every request is a hit). Unlike req/s this does not depend on the load.
echo "== heap allocations per hit, whole process (net/http included), wrk ${DUR} s"
for s in $servers; do
	[ "$s" = nginx ] && continue
	stats=http://127.0.0.1:9184/mallocs
	[ "$s" = before ] && stats=http://127.0.0.1:9194/mallocs
	set -- $(curl -sf "$stats")
	m0=$1 b0=$2
	if [ "$s" = floor ] || [ "$s" = floor14 ]; then
		n=$(eval wrk -t2 -c32 -d"${DUR}s" "\$url_$s" | awk '/requests in/ { print $1 }')
	else
		n=$(eval wrk -t2 -c32 -d"${DUR}s" -H "'Host: ebench.localhost'" "\$url_$s" | awk '/requests in/ { print $1 }')
	fi
	set -- $(curl -sf "$stats")
	awk -v s="$s" -v n="$n" -v m="$(($1 - m0))" -v b="$(($2 - b0))" 'BEGIN { printf "%s: %.1f allocs, %d B per request (%d requests)\n", s, m / n, b / n, n }'
done
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v rounds="$ROUNDS" -v dur="$DUR" -v servers="$servers" '
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
{ v[$2, $1] = $3 }
END {
	printf "== hits/s, wrk -t2 -c32, %d s per run, %d rounds interleaved\n", dur, rounds
	printf "| server | median req/s | min | max |\n| --- | ---: | ---: | ---: |\n"
	n = split(servers, names, " ")
	for (k = 1; k <= n; k++) {
		s = names[k]
		for (i = 1; i <= rounds; i++) a[i] = v[s, i]
		m[s] = median(a, rounds)
		printf "| %s | %d | %d | %d |\n", s, m[s], a[1], a[rounds]
	}
	for (i = 1; i <= rounds; i++) r[i] = v["edge", i] / v["nginx", i]
	median(r, rounds)
	printf "edge / nginx: %.2f (median of each; per-round ratios %.2f to %.2f)\n", m["edge"] / m["nginx"], r[1], r[rounds]
	for (i = 1; i <= rounds; i++) r[i] = v["fastedge", i] / v["nginx", i]
	median(r, rounds)
	printf "edge on fasthttp / nginx: %.2f (per-round %.2f to %.2f); edge on fasthttp / edge on net/http: %.2f\n", m["fastedge"] / m["nginx"], r[1], r[rounds], m["fastedge"] / m["edge"]
	for (i = 1; i <= rounds; i++) r[i] = v["edge", i] / v["floor", i]
	median(r, rounds)
	printf "edge / bare net/http: %.2f (per-round %.2f to %.2f); nginx / bare net/http: %.2f\n", m["edge"] / m["floor"], r[1], r[rounds], m["nginx"] / m["floor"]
	for (i = 1; i <= rounds; i++) r[i] = v["edge", i] / v["floor14", i]
	median(r, rounds)
	printf "edge / net/http with a hit'"'"'s 14 headers: %.2f (per-round %.2f to %.2f); floor14 / nginx: %.2f\n", m["edge"] / m["floor14"], r[1], r[rounds], m["floor14"] / m["nginx"]
	if ("before" in m) {
		for (i = 1; i <= rounds; i++) r[i] = v["before", i] / v["nginx", i]
		median(r, rounds)
		printf "before / nginx: %.2f (per-round %.2f to %.2f); edge / before: %.2f\n", m["before"] / m["nginx"], r[1], r[rounds], m["edge"] / m["before"]
	}
}' "$TMP/results"
