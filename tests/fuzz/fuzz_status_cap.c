/*
 * fuzz_status_cap - fuzz_status for reports past the status file's size
 * cap: the same program and checks, without the budget that keeps
 * fuzz_status's reports small, so that status.c's fit() (messages cut to
 * the largest common cap that fits, then names squeezed, then entries
 * left out behind a "... N more not shown" entry) runs on every kind of
 * report.  Each such input costs a dozen renderings: expect tens of
 * inputs a second, not thousands.
 *
 * Build and run by hand (from a configured build directory):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -fno-sanitize-recover=undefined -I. -I$SRC/include -I$SRC/core \
 *     -o fuzz_status_cap $SRC/tests/fuzz/fuzz_status_cap.c \
 *     $SRC/core/status.c $SRC/core/jsonw.c $SRC/core/redact.c \
 *     $SRC/core/fileio.c -lcjson
 *   mkdir -p corpus && ./fuzz_status_cap -max_total_time=300 corpus \
 *     $SRC/tests/fuzz/corpus/status_cap
 */
#define FUZZ_STATUS_PAST_CAP 1
#include "fuzz_status.c"
