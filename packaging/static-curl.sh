#!/bin/sh
# Prepares the release build to link libcurl's archive instead of libcurl.so (issue 9: a worker's
# memory). Debian's libcurl.so pulls in about twenty libraries for protocols and logins the worker
# turns off (CURLOPT_PROTOCOLS_STR is "http,https"): LDAP, RTMP, SCP/SFTP and GSS-API/Kerberos,
# with GnuTLS and p11-kit behind them. Each process loads, relocates and initialises them all:
# about 4 MiB of every worker's RSS. Linked from the archive, those four families resolve to
# stand-ins that abort, and the libraries they would have loaded are never named.
#
# Writes into $1: libcurl.pc (read by SwiftPM through PKG_CONFIG_PATH), which links
# libsora-curl.so, a linker script naming the archive, the stand-ins and the libraries libcurl
# still needs, and libsora-curl-unused.a (the stand-ins). Without Debian's libcurl.a it writes nothing and the
# build links libcurl.so as before. Prints "static" or "shared".
set -eu
out=$1
libdir=$(pkg-config --variable=libdir libcurl)
archive=$libdir/libcurl.a
shared=$(readlink -f "$libdir/libcurl.so")
if [ ! -f "$archive" ] || [ ! -f "$shared" ]; then echo shared; exit 0; fi
mkdir -p "$out"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# The libraries behind the turned-off families; every other library libcurl.so needs is kept.
dropped='^(librtmp|libssh2|libgssapi_krb5|libldap|liblber)'
kept=""
for lib in $(llvm-objdump -p "$shared" | awk '$1 == "NEEDED" { print $2 }' | grep -Ev "$dropped"); do
    case $lib in libc.so.*) continue ;; esac
    path=$libdir/$lib; [ -f "$path" ] || path=/lib/$(basename "$libdir")/$lib
    [ -f "$path" ] || { echo "static-curl.sh: $lib not found" >&2; exit 1; }
    kept="$kept $path"
done

# One stand-in per symbol the archive wants from those families. curl_global_init starts libssh2
# and curl_version asks OpenLDAP its version: those answer "nothing here"; any other call would
# mean a turned-off protocol ran, and aborts loudly rather than doing something wrong.
{
    echo '#include <stdio.h>'
    echo '#include <stdlib.h>'
    printf '%s\n' 'static void unused(const char *f) { fprintf(stderr, "sora: libcurl called %s, which this build leaves out\n", f); abort(); }'
    llvm-nm -u -j "$archive" 2>/dev/null | grep -E '^(ldap_|ber_|RTMP|libssh2_|gss_|GSS_C_)' | sort -u | while read -r s; do
        case $s in
            GSS_C_*) echo "void *$s;" ;;
            libssh2_init) echo "int $s(void) { return 0; }" ;;
            ldap_get_option) echo "int $s(void) { return -1; }" ;;
            libssh2_exit|ldap_memfree) echo "void $s(void) {}" ;;
            libssh2_version) echo "const char *$s(void) { return \"none\"; }" ;;
            *) echo "void $s(void) { unused(\"$s\"); }" ;;
        esac
    done
} > "$tmp/unused.c"
clang -O2 -fPIC -w -c "$tmp/unused.c" -o "$tmp/unused.o"
rm -f "$tmp/lib.a"; llvm-ar rcs "$tmp/lib.a" "$tmp/unused.o"

# An archive, not an object: SwiftPM names -lcurl twice, and a library is searched, not added.
cmp -s "$tmp/lib.a" "$out/libsora-curl-unused.a" || cp "$tmp/lib.a" "$out/libsora-curl-unused.a"
echo "INPUT($archive $out/libsora-curl-unused.a$kept)" > "$tmp/script"
cmp -s "$tmp/script" "$out/libsora-curl.so" || cp "$tmp/script" "$out/libsora-curl.so"
printf 'Name: libcurl\nDescription: libcurl from its archive (packaging/static-curl.sh)\nVersion: %s\nLibs: -L%s -lsora-curl\nCflags: %s\n' \
    "$(pkg-config --modversion libcurl)" "$out" "$(pkg-config --cflags libcurl)" > "$tmp/pc"
cmp -s "$tmp/pc" "$out/libcurl.pc" || cp "$tmp/pc" "$out/libcurl.pc"
echo static
