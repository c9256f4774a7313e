#!/bin/sh
# A fake agent for `ccglm run` tests (run via --agent-cmd): records each invocation, then writes
# `<task>.txt` in its worktree and commits it. FAKE_FAIL=T2,T3 makes those tasks exit 1;
# FAKE_FAIL_FIRST=T1 fails only the first run; FAKE_NOCOMMIT=T1 exits 0 without committing; FAKE_SLEEP_MS delays before working;
# FAKE_FILE_<task>=path writes that path instead (to make conflicts); FAKE_SAY_<task> prints a line;
# FAKE_FAIL_AFTER=T1 commits, then exits 1; FAKE_IGNORE_TERM=1 ignores SIGTERM (only SIGKILL stops it); FAKE_SLEEP_MS_<task> delays that task alone.
# Each run also records its argv and its ANTHROPIC_*/CC_GLM_*/CCGLM_PROVIDER environment in <task>.env.json.
# A shell script, not Node: the suite starts it hundreds of times, and sh starts in a millisecond
# where Node takes ~0.15 s of CPU.
set -e
[ -z "$FAKE_IGNORE_TERM" ] || trap '' TERM
task=${CCGLM_TASK_ID:-unknown}
# A JSON string: backslashes and quotes escaped (the values here hold no control characters).
json() { printf '"%s"' "$(printf '%s' "$1" | sed 's/[\\"]/\\&/g')"; }
# The value of the variable named $1, empty when unset.
var() {
  case $1 in *[!A-Za-z0-9_]*) return 0 ;; esac
  eval "printf '%s' \"\${$1:-}\""
}
# Whether the comma-separated list in variable $1 names this task.
listed() { case ",$(var "$1")," in *",$task,"*) return 0 ;; *) return 1 ;; esac; }

if [ -n "$FAKE_MARKS" ]; then
  echo $$ >>"$FAKE_MARKS/$task.runs"
  argv=''
  for arg in "$@"; do argv="$argv${argv:+,}$(json "$arg")"; done
  env=$(env | grep -E '^(ANTHROPIC_[A-Za-z0-9_]*|CC_GLM_[A-Za-z0-9_]*|CCGLM_PROVIDER)=' | LC_ALL=C sort |
    sed 's/[\\"]/\\&/g; s/^\([^=]*\)=\(.*\)$/"\1":"\2"/' | paste -sd, -) || env=''
  printf '{"argv":[%s],"env":{%s}}' "$argv" "$env" >"$FAKE_MARKS/$task.env.json"
fi
[ -r "$CCGLM_PROMPT_FILE" ] || { echo "fake agent: no prompt file ($CCGLM_PROMPT_FILE)" >&2; exit 1; }
# The prompt's lines as JavaScript's split('\n') counts them: one more than its newlines.
lines=$(($(wc -l <"$CCGLM_PROMPT_FILE") + 1))
echo "fake agent: $task got a prompt of $lines lines"
ms=$(var "FAKE_SLEEP_MS_$task")
ms=${ms:-${FAKE_SLEEP_MS:-0}}
[ "$ms" -le 0 ] || sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
say=$(var "FAKE_SAY_$task")
[ -z "$say" ] || echo "$say"
runs=1
[ -z "$FAKE_MARKS" ] || runs=$(wc -l <"$FAKE_MARKS/$task.runs")
if listed FAKE_FAIL || { listed FAKE_FAIL_FIRST && [ "$runs" -eq 1 ]; }; then
  echo "fake agent: $task fails on purpose"
  exit 1
fi
if ! listed FAKE_NOCOMMIT; then
  file=$(var "FAKE_FILE_$task")
  file=${file:-$task.txt}
  mkdir -p "$(dirname "$file")"
  # Each run its own content: two attempts never make one identical commit (same tree, parent,
  # identity and second), which would read as the earlier attempt's work merged.
  echo "$task was here (run $$)" >"$file"
  git add "$file"
  git -c user.name=fake -c user.email=fake@example.invalid commit -q \
    -m "$task: work" -m "Feature-Key: test
Agent: fake"
fi
if listed FAKE_FAIL_AFTER; then
  echo "fake agent: $task fails after committing"
  exit 1
fi
echo "Summary: $task done by the fake agent"
