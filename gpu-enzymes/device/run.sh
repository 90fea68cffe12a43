#!/usr/bin/env bash
# The GPU checks, on a machine with an NVIDIA GPU and what prepare.sh packed: the gpu-enzymes tests with
# CELL_REQUIRE_GPU=1 (a missing or unusable GPU fails them instead of skipping the CUDA half) and
# ./cell perf enzymes's benchmark, its JSON under $OUT (or target/device-out). Takes about 2 minutes on an H200.
set -uo pipefail
B="$(cd "$(dirname "$0")" && pwd)"
OUT="${OUT:-$B/../device-out}"
mkdir -p "$OUT"
J="$B/jdk/bin/java"
FLAGS=(--enable-native-access=ALL-UNNAMED --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED
    --add-exports=java.base/sun.nio.ch=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
CP="$B/test-classes:$B/perf-classes$(printf ':%s' "$B"/lib/*.jar)"
nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv | tee "$OUT/gpu.csv"
CELL_REQUIRE_GPU=1 timeout 300 "$J" "${FLAGS[@]}" -jar "$B/junit-console.jar" execute --class-path "$CP" \
    --select-package dev.cell.enzyme --reports-dir "$OUT/junit" --details=tree 2>&1 | tee "$OUT/tests.txt"
tests=${PIPESTATUS[0]}
timeout 240 "$J" "${FLAGS[@]}" -cp "$CP" dev.cell.perf.EnzymeBenchmark --json "$OUT/enzymes.json" 2>&1 \
    | tee "$OUT/bench.txt"
bench=${PIPESTATUS[0]}
echo "tests exit $tests, benchmark exit $bench"
[ "$tests" = 0 ] && [ "$bench" = 0 ]
