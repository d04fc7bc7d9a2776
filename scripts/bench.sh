#!/usr/bin/env bash
# Benchmarks named in the issues, on generated data, with the release build.
# Prints each figure against its target. Not part of CI: run it by hand.
#
#   scripts/bench.sh            # every benchmark
#   ROWS=270000 COMPANIES=550000 scripts/bench.sh   # smaller files, for a quick look
set -euo pipefail
cd "$(dirname "$0")/.."
work=${BENCH_DIR:-$(mktemp -d)}
rows=${ROWS:-2700000}
companies=${COMPANIES:-5500000}
suppliers=${SUPPLIERS:-50000}
echo "building (release)…"
cargo build --release --quiet
cargo build --release --quiet --example gen_onspd --example gen_companies --example seed_suppliers

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
rm -f "$work/onspd_bench.csv"

echo "generating a Companies House-shaped file of $companies rows…"
./target/release/examples/gen_companies "$companies" "$work/companies_bench.csv" 2>/dev/null
ch_mb=$(( $(stat -c %s "$work/companies_bench.csv") / 1048576 ))
read -r ch_secs ch_peak < <(measure ./target/release/localspend import companies --name bench "$work/companies_bench.csv")
ch_rate=$(python3 -c "print(f'{$companies / $ch_secs:,.0f}')")
rm -f "$work/companies_bench.csv"
./target/release/examples/seed_suppliers "$work/bench.db" "$suppliers" "$companies" 2>/dev/null
match_out=$(./target/release/localspend match companies)
match_secs=$(sed -E 's/.*Matching took ([0-9.]+) s.*/\1/' <<<"$match_out")

printf '\n%-44s %12s %12s %8s\n' "benchmark" "result" "target" "ok"
printf '%-44s %12s %12s %8s\n' "postcode import, $rows rows (${size_mb} MB), time" "${secs} s" "≤ 60 s" "$(python3 -c "print('yes' if $secs <= 60 * $rows / 2700000 else 'NO')")"
printf '%-44s %12s %12s %8s\n' "postcode import, peak memory" "${peak} MB" "≤ 250 MB" "$(python3 -c "print('yes' if $peak <= 250 else 'NO')")"
printf '%-44s %12s\n' "postcode import, rows per second" "$rate"
printf '%-44s %12s %12s %8s\n' "Companies House import, $companies rows (${ch_mb} MB)" "${ch_secs} s" "≤ 120 s" "$(python3 -c "print('yes' if $ch_secs <= 120 * $companies / 5500000 else 'NO')")"
printf '%-44s %12s %12s %8s\n' "Companies House import, peak memory" "${ch_peak} MB" "≤ 300 MB" "$(python3 -c "print('yes' if $ch_peak <= 300 else 'NO')")"
printf '%-44s %12s\n' "Companies House import, rows per second" "$ch_rate"
printf '%-44s %12s %12s %8s\n' "match $suppliers supplier names" "${match_secs} s" "≤ 2 s" "$(python3 -c "print('yes' if $match_secs <= 2 else 'NO')")"
echo "  ($match_out)"
[ -n "${BENCH_DIR:-}" ] || rm -rf "$work"
