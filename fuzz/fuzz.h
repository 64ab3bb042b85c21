/*
 * fuzz — fuzz targets for the parsers of untrusted input: scenario files and
 * the command line.
 *
 * Each target takes one input of any bytes and returns 0. It never writes a
 * file and never runs a simulation. A bug shows as a crash, a sanitizer
 * report, or a failed assertion of the parser's contract. Two programs call
 * the targets: fuzz/libfuzzer_main.c (built by `make fuzz` with clang's
 * libFuzzer) and tests/test_fuzz_corpus.c, which replays the corpus in
 * fuzz/corpus/<target>/ in every test run without any fuzzer runtime.
 *
 * Invariants checked on every input:
 *  1. scen_file: a load returns 0 with an empty message, or -1 with a
 *     message that starts with the file name given ("PATH:" or
 *     "PATH:LINE:").
 *  2. cli: parsing returns 0 or the usage status (2); never anything else.
 *  3. cli: after any input, a valid command line parses to its values: the
 *     parser keeps no state from one call to the next.
 */
#ifndef BARRIERSIM_FUZZ_H
#define BARRIERSIM_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* The name the scenario target gives its input, so messages name it. */
#define FUZZ_SCEN_NAME "fuzz.yaml"

/* Arguments after the command that the cli target passes at most. */
#define FUZZ_ARG_MAX 32

/* Parse data as a scenario file. */
int fuzz_scen_file_one(const uint8_t *data, size_t size);

/* Parse data as a command line. The first line is the command: run, replay,
 * save, shrink, explore, confirm or check, and anything else counts as run.
 * Every further line is one argument. */
int fuzz_cli_one(const uint8_t *data, size_t size);

#endif
