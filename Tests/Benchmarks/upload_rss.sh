#!/bin/sh
# Peak RSS of a 200 MiB multipart upload (see upload_rss.py). Extra arguments are passed on,
# e.g. --backend oss, --probe .build/release/sora-store-probe.
exec python3 "$(dirname "$0")/upload_rss.py" "$@"
