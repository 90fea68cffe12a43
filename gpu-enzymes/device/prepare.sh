#!/usr/bin/env bash
# Packs what the GPU checks need into gpu-enzymes/target/device, small enough to carry to a GPU machine that has
# no Java and no network: a jlink'd JDK 25 runtime, the gpu-enzymes classes and tests, the vectors cell and its
# runtime dependencies, the perf classes, and the JUnit console launcher. Run it from the repository root after
# `mvn install -DskipTests` (or `./cell test`); then carry gpu-enzymes/target/device and run
# gpu-enzymes/device/run.sh there.
set -euo pipefail
cd "$(dirname "$0")/../.."
JDK="${CELL_DEVICE_JDK:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -1)}"
[ -x "$JDK/bin/jlink" ] || { echo "prepare: no JDK 25 with jlink (set CELL_DEVICE_JDK)" >&2; exit 1; }
export JAVA_HOME="$JDK"
B=gpu-enzymes/target/device
rm -rf "$B" && mkdir -p "$B/lib"
mvn -B -q -o -f gpu-enzymes/pom.xml test-compile
mvn -B -q -o -f examples/vector-search/vectors/pom.xml dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$PWD/$B/lib"
mvn -B -q -o -f gpu-enzymes/pom.xml dependency:copy-dependencies -DincludeScope=test -DexcludeGroupIds=dev.cell \
    -DoutputDirectory="$PWD/$B/lib"
cp examples/vector-search/vectors/target/vectors-*.jar cell-tools/target/cell-tools-*[0-9T].jar "$B/lib/"
cp -r gpu-enzymes/target/test-classes "$B/test-classes"
cp -r perf/target/classes "$B/perf-classes"
for a in org/hdrhistogram/HdrHistogram org/junit/platform/junit-platform-console-standalone; do
    jar="$(ls ~/.m2/repository/$a/*/*.jar | grep -v sources | sort -V | tail -1)"
    cp "$jar" "$B/lib/"
done
mv "$B"/lib/junit-platform-console-standalone-*.jar "$B/junit-console.jar"
"$JDK/bin/jlink" --add-modules java.base,java.logging,java.management,java.xml,jdk.unsupported,jdk.management \
    --strip-debug --no-header-files --no-man-pages --compress=zip-9 --output "$B/jdk"
cp gpu-enzymes/device/run.sh "$B/"
du -sh "$B" "$B/jdk" "$B/lib"
