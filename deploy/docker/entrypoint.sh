#!/bin/sh
# The image's entrypoint: picks the config, then becomes the Rankway process (exec, so node
# receives SIGTERM itself and drains). Which config, first match wins:
#   1. --config FILE or RANKWAY_CONFIG, as everywhere else;
#   2. a file mounted at $RANKWAY_CONFIG_DIR/rankway.yaml (/etc/rankway/rankway.yaml in the image);
#   3. container-default.yaml beside this script: the embedded default with caller keys required.
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
if [ -z "${RANKWAY_CONFIG:-}" ]; then
  mounted="${RANKWAY_CONFIG_DIR:-/etc/rankway}/rankway.yaml"
  if [ -f "$mounted" ]; then
    RANKWAY_CONFIG=$mounted
  else
    RANKWAY_CONFIG="$here/container-default.yaml"
  fi
  export RANKWAY_CONFIG
fi
exec node "$here/../../dist/src/main.js" "$@"
