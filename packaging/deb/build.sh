#!/usr/bin/env bash
# Builds the Debian package from a release binary, offline (dpkg-deb only):
#   packaging/deb/build.sh BINARY OUTDIR
# Layout: /usr/bin/sora (stripped), the page in /usr/share/sora-fcgi/www, the nginx locations as
# /etc/nginx/snippets/sora-fcgi.conf and the rate-limit zones as /etc/nginx/conf.d/sora-fcgi-limits.conf
# (generated from nginx/*.conf.in with the package's paths), an example site in
# /etc/nginx/sites-available/sora-fcgi, the systemd units of nginx/systemd/ with the package's
# paths and user, and the default config /etc/sora-fcgi/sora.env (0640 root:sora-fcgi, set by
# postinst, which also makes the system user and /var/lib/sora-fcgi/{spool,media}).
set -euo pipefail
bin=$(realpath "${1:?binary}")
out=$(mkdir -p "${2:?output directory}" && cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

version=${VERSION:-0.1.0}
if git -C "$repo" rev-parse --git-dir > /dev/null 2>&1; then
    version="$version+git$(git -C "$repo" log -1 --format=%cd --date=format:%Y%m%d%H%M).$(git -C "$repo" rev-parse --short HEAD)"
fi
arch=$(dpkg --print-architecture)
root=$(mktemp -d)
chmod 0755 "$root"  # the archive's ./ entry
trap 'rm -rf "$root"' EXIT

install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/sora-fcgi" "$root/usr/share/doc/sora-fcgi" \
    "$root/etc/sora-fcgi" "$root/etc/nginx/snippets" "$root/etc/nginx/conf.d" "$root/etc/nginx/sites-available" \
    "$root/lib/systemd/system"

# The binary, without debug symbols (Swift's runtime and Foundation are linked in).
strip --strip-unneeded -o "$root/usr/bin/sora" "$bin"
chmod 0755 "$root/usr/bin/sora"

cp -r "$repo/www" "$root/usr/share/sora-fcgi/www"
install -d "$root/usr/share/sora-fcgi/nginx"
cp "$repo/nginx/sora-locations.conf.in" "$repo/nginx/sora-limits.conf.in" "$root/usr/share/sora-fcgi/nginx/"
cp "$repo/README.md" "$root/usr/share/doc/sora-fcgi/"

# nginx: a site of its own at / (mount under a prefix by editing the snippet, README "Deploying").
sed -e "s#@WWW@#/usr/share/sora-fcgi/www#g" -e "s#@STATUS_DIR@#/var/lib/sora-fcgi/spool/status#g" \
    -e "s#@MEDIA_DIR@#/var/lib/sora-fcgi/media#g" -e "s#@FASTCGI@#unix:/run/sora-fcgi-api/sora.sock#g" \
    -e "s#@FASTCGI_UPLOADS@#unix:/run/sora-fcgi-uploads/sora.sock#g" -e "s#@CONFIG@#/etc/sora-fcgi/sora.env#g" \
    -e "s#@SORA_BIN@#/usr/bin/sora#g" -e "s#@PREFIX@##g" \
    "$repo/nginx/sora-locations.conf.in" > "$root/etc/nginx/snippets/sora-fcgi.conf"
sed -e "s#@GENERATE_RATE@#10r/m#g" -e "s#@LOGIN_RATE@#10r/m#g" \
    "$repo/nginx/sora-limits.conf.in" > "$root/etc/nginx/conf.d/sora-fcgi-limits.conf"
cp "$here/nginx-site.conf" "$root/etc/nginx/sites-available/sora-fcgi"

# systemd: the repository's units, with the package's binary, config file and user.
for unit in sora-fcgi@.service sora-fcgi-reap.service sora-fcgi-reap.timer; do
    sed -e "s#/opt/sora-fcgi/sora#/usr/bin/sora#g" -e "s#/etc/sora-fcgi.env#/etc/sora-fcgi/sora.env#g" \
        -e "s#^User=sora\$#User=sora-fcgi#" -e "s#^Group=sora\$#Group=sora-fcgi#" \
        -e "s#-u sora -g sora#-u sora-fcgi -g sora-fcgi#" \
        "$repo/nginx/systemd/$unit" > "$root/lib/systemd/system/$unit"
done
grep -q "sora-fcgi -g sora-fcgi" "$root/lib/systemd/system/sora-fcgi@.service" || { echo "build.sh: the responder unit changed; update the sed above" >&2; exit 1; }

cp "$here/sora.env" "$root/etc/sora-fcgi/sora.env"
chmod 0640 "$root/etc/sora-fcgi/sora.env"
for f in postinst prerm postrm; do install -m 0755 "$here/$f" "$root/DEBIAN/$f"; done
( cd "$root" && find etc -type f | sed 's#^#/#' ) > "$root/DEBIAN/conffiles"

# Shared libraries the binary needs: dpkg-shlibdeps when dpkg-dev is there, else ldd + dpkg -S.
if command -v dpkg-shlibdeps > /dev/null; then
    tmp=$(mktemp -d); mkdir "$tmp/debian"
    printf 'Source: sora-fcgi\n\nPackage: sora-fcgi\nArchitecture: any\n' > "$tmp/debian/control"
    libs=$(cd "$tmp" && dpkg-shlibdeps -O "$root/usr/bin/sora" 2> /dev/null | sed -n 's/^shlibs:Depends=//p')
    rm -rf "$tmp"
else
    libs=$(ldd "$root/usr/bin/sora" | awk '/=> \//{print $3}' | xargs -r realpath | xargs -r dpkg -S 2> /dev/null \
        | cut -d: -f1 | sort -u | paste -sd, | sed 's/,/, /g')
fi
[ -n "$libs" ] || { echo "build.sh: could not work out the shared library packages" >&2; exit 1; }

size=$(du -sk "$root" | cut -f1)
sed -e "s#@VERSION@#$version#" -e "s#@ARCH@#$arch#" -e "s#@DEPENDS@#$libs#" -e "s#@SIZE@#$size#" \
    "$here/control.in" > "$root/DEBIAN/control"

deb="$out/sora-fcgi_${version}_${arch}.deb"
# xz -6 (the default) takes ~50 s on this binary; the package test uses -1 (~10 s, 2.6 MB more).
dpkg-deb --root-owner-group -Zxz -z"${DEB_XZ_LEVEL:-6}" --build "$root" "$deb" > /dev/null
echo "$deb"
