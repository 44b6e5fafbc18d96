#!/usr/bin/env bash
# The shared-hosting variant: a tarball to unpack in a home directory, no root, no daemons.
#   packaging/tarball/build.sh BINARY OUTDIR
# The binary answers plain CGI (Apache's mod_cgi, or nginx + fcgiwrap), starts detached workers
# per job, and a cron line runs `sora reap` every minute.
set -euo pipefail
bin=$(realpath "${1:?binary}")
out=$(mkdir -p "${2:?output directory}" && cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
version=${VERSION:-0.1.0}
if git -C "$repo" rev-parse --git-dir > /dev/null 2>&1; then version="$version+git$(git -C "$repo" rev-parse --short HEAD)"; fi
arch=$(uname -m)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
top="$stage/sora-fcgi"
install -d "$top/bin" "$top/apache" "$top/nginx" "$top/spool" "$top/media"
strip --strip-unneeded -o "$top/bin/sora" "$bin"
chmod 0755 "$top/bin/sora"
cp -r "$repo/www" "$top/www"
cp "$repo/nginx/sora-locations.conf.in" "$repo/nginx/sora-limits.conf.in" "$top/nginx/"
cp "$here/htaccess" "$top/apache/htaccess"
cp "$here/apache-server.conf" "$top/apache/server.conf"
cp "$here/sora.env.example" "$here/cron.txt" "$here/README.txt" "$top/"
chmod 0755 "$top/spool" "$top/media"  # the web server reads spool/status and media; the private parts are made 0700
tarball="$out/sora-fcgi-$version-linux-$arch.tar.gz"
tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "$tarball" sora-fcgi
echo "$tarball"
