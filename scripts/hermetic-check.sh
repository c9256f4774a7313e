#!/bin/sh
# Runs a command (e.g. `npx vitest run test/run`) as tests should pass: with a private /tmp that
# holds stray cc-glm-jobs-* folders and a broken ccglm.config.json, and a read-only $HOME. Usage: unshare -Urm scripts/hermetic-check.sh CMD…
set -e
mount -t tmpfs tmpfs /tmp
mkdir -p /tmp/cc-glm-jobs /tmp/cc-glm-jobs-stray1 /tmp/cc-glm-jobs-old
echo '{ not json' > /tmp/ccglm.config.json
mount --bind "$HOME" "$HOME" && mount -o remount,bind,ro "$HOME"
touch "$HOME/.probe" 2>/dev/null && { echo "HOME is writable"; exit 9; }
exec "$@"
