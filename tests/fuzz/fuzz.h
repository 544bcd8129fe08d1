/*
 * fuzz.h - the one declaration every fuzz target and the standalone replay
 * driver share: libFuzzer's entry point.
 */
#ifndef VMC_FUZZ_H
#define VMC_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
