#!/bin/sh
# Prints the "Estimated figures" table of docs/benchmarks.md: for every example, the
# -O0 / -O1 / -O2 estimates of `awc explain --json` (critical-path latency, model calls,
# cost). Usage: bench/estimates.sh [build-dir | path/to/awc]   (default: build)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
awc=${1:-build}
cd "$root"
[ -d "$awc" ] && awc=$awc/awc
echo "| example | -O0 ms | -O1 ms | -O2 ms | speed-up -O2/-O0 | calls -O0 | calls -O1 | calls -O2 | cost -O0 USD | cost -O1 USD | cost -O2 USD |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for flow in examples/*.flow; do
  "$awc" explain --json "$flow" | python3 -c '
import json, sys
name = sys.argv[1]
levels = json.load(sys.stdin)["levels"]
o0, o1, o2 = levels["O0"], levels["O1"], levels["O2"]
cells = [name]
cells += ["%.0f" % l["latency_ms"] for l in (o0, o1, o2)]
cells.append("%.2fx" % (o0["latency_ms"] / o2["latency_ms"]))
cells += ["%g" % l["model_calls"] for l in (o0, o1, o2)]
cells += ["%.6f" % l["cost_usd"] for l in (o0, o1, o2)]
print("| " + " | ".join(cells) + " |")
' "$(basename "$flow" .flow)"
done
