# Sourced by the long runs (develop_local.sh test, docker/compose_test.sh) to say where their time
# goes: `timer_step NAME` closes the step before (keeping its time) and names the next,
# `timer_step ""` closes the last, `timer_report` prints each step with its seconds.
# shellcheck shell=bash
timer_steps=()
timer_name=""
timer_started=$(date +%s)
timer_step() {
  local now
  now=$(date +%s)
  [ -n "$timer_name" ] && timer_steps+=("$(printf '%-44s %5d s' "$timer_name" $((now - timer_started)))")
  timer_name=$1
  timer_started=$now
}
timer_report() { printf '  %s\n' "${timer_steps[@]}"; }
