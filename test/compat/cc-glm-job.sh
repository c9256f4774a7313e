#!/usr/bin/env bash
# The shell runner's name for `ccglm job` (what `alias cc-glm-job.sh='ccglm job'` gives a user):
# the compatibility tests drive the built CLI through it, as scripts written for the runner would.
exec node "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/bin/ccglm.js" job "$@"
