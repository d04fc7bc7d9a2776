#!/usr/bin/env bash
# Benchmarks named in the issues, on generated data, with the release build.
# Prints each figure against its target. Not part of CI: run it by hand.
#
#   scripts/bench.sh            # every benchmark
#   ROWS=270000 scripts/bench.sh   # a smaller postcode file, for a quick look
set -euo pipefail
cd "$(dirname "$0")/.."
work=${BENCH_DIR:-$(mktemp -d)}
rows=${ROWS:-2700000}
echo "building (release)…"
cargo build --release --quiet
cargo build --release --quiet --example gen_onspd

# Peak resident memory of a child process, via getrusage.
measure() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
start = time.monotonic()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
secs = time.monotonic() - start
peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
if done.returncode != 0:
    sys.stderr.write(done.stderr)
    sys.exit(done.returncode)
print(f"{secs:.2f} {peak_mb:.0f}")
PY
}

echo "generating an ONSPD-shaped file of $rows rows…"
./target/release/examples/gen_onspd "$rows" "$work/onspd_bench.csv" 2>/dev/null
size_mb=$(( $(stat -c %s "$work/onspd_bench.csv") / 1048576 ))

rm -f "$work/bench.db"*
export LOCALSPEND_DATABASE_URL="$work/bench.db" LOCALSPEND_LOG=warn
./target/release/localspend migrate >/dev/null
read -r secs peak < <(measure ./target/release/localspend import postcodes --name bench "$work/onspd_bench.csv")
rate=$(python3 -c "print(f'{$rows / $secs:,.0f}')")

printf '\n%-44s %12s %12s %8s\n' "benchmark" "result" "target" "ok"
printf '%-44s %12s %12s %8s\n' "postcode import, $rows rows (${size_mb} MB), time" "${secs} s" "≤ 60 s" "$(python3 -c "print('yes' if $secs <= 60 * $rows / 2700000 else 'NO')")"
printf '%-44s %12s %12s %8s\n' "postcode import, peak memory" "${peak} MB" "≤ 250 MB" "$(python3 -c "print('yes' if $peak <= 250 else 'NO')")"
printf '%-44s %12s\n' "postcode import, rows per second" "$rate"
[ -n "${BENCH_DIR:-}" ] || rm -rf "$work"
