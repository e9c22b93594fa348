#!/bin/sh
# Builds the librdkafka mock-cluster launcher into native/build/ (gitignored).
# Needs gcc and the Debian package librdkafka-dev (see .ci/apt-packages).
# Usage: native/build.sh [OUTPUT]   (default: native/build/mock-cluster)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/build/mock-cluster"}
mkdir -p "$(dirname "$out")"
flags=$(pkg-config --cflags --libs rdkafka 2>/dev/null || echo -lrdkafka)
# Build to a temporary name and rename, so concurrent builders never see a half-written file.
tmp="$out.tmp.$$"
# shellcheck disable=SC2086
${CC:-gcc} -std=c11 -O2 -Wall -Wextra -Werror -o "$tmp" "$here/mock-cluster.c" $flags
mv -f "$tmp" "$out"
