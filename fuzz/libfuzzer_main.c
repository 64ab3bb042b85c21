/*
 * libfuzzer_main — libFuzzer's entry point for one target, chosen at build
 * time with -DFUZZ_TARGET=fuzz_<target>_one (the Makefile's fuzz rules).
 */
#include "fuzz.h"

#ifndef FUZZ_TARGET
#error "build with -DFUZZ_TARGET=fuzz_<target>_one"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return FUZZ_TARGET(data, size);
}
