#!/bin/bash -eu
# ClusterFuzzLite entry point: every harness (codec, scenario loader and
# reference-server session harnesses) with its options, dictionaries and
# seed corpus into $OUT. The work is fuzz/build.sh's, which also runs
# locally (see fuzz/README.md).
exec "$SRC/mailspec/fuzz/build.sh"
