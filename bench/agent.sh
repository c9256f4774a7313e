#!/bin/sh
# The run benchmark's agent: works for one second, then commits one file, as make's `sleep 1 && touch`
# does without the commit. A shell script, so the figures measure ccglm, not a Node start-up per task.
# With BENCH_STAMPS=1 it prints its own clock (ms) when it starts and ends, for bench/run.mjs's detail.
[ "$BENCH_STAMPS" = 1 ] && echo "bench-agent start $(date +%s%3N)"
sleep 1
printf '%s was here\n' "$CCGLM_TASK_ID" > "$CCGLM_TASK_ID.txt"
git add "$CCGLM_TASK_ID.txt"
git -c user.name=bench -c user.email=bench@example.invalid commit -q -m "$CCGLM_TASK_ID: work"
[ "$BENCH_STAMPS" = 1 ] && echo "bench-agent end $(date +%s%3N)"
echo "Summary: $CCGLM_TASK_ID done by the benchmark agent"
