#!/bin/sh
# The run benchmark's agent: a one-second agent that commits one file, as make's `sleep 1 && touch`
# takes one second. Its commit runs during its second (a shell, git add, git commit: ~15 ms), so the
# agents' own critical path is the 8 s of the DAG and the makespan beyond it is ccglm's.
# BENCH_COMMIT=after commits after the second instead (each agent then takes ~1.015 s and more on a
# busy machine: the agents' own chain is ~8.1-8.2 s). A shell script, so the figures measure ccglm,
# not a Node start-up per task.
# With BENCH_STAMPS=1 it prints its own clock (ms) when it starts and ends, for bench/run.mjs's detail.
[ "$BENCH_STAMPS" = 1 ] && echo "bench-agent start $(date +%s%3N)"
commit() {
  printf '%s was here\n' "$CCGLM_TASK_ID" > "$CCGLM_TASK_ID.txt"
  git add "$CCGLM_TASK_ID.txt"
  git -c user.name=bench -c user.email=bench@example.invalid commit -q -m "$CCGLM_TASK_ID: work"
}
if [ "$BENCH_COMMIT" = after ]; then
  sleep 1
  commit
else
  sleep 1 &
  commit
  wait
fi
[ "$BENCH_STAMPS" = 1 ] && echo "bench-agent end $(date +%s%3N)"
echo "Summary: $CCGLM_TASK_ID done by the benchmark agent"
