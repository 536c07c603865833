/* Shared by the fuzz targets: the libFuzzer entry point every target defines. Built with
 * clang and -Dfuzzing=true, libFuzzer supplies main(); otherwise replay.c does, running the
 * target over every file of its corpus so each target is also a regression test. */
#pragma once
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant: print what and where, then abort so libFuzzer (or meson test)
 * records the input as a crash. Unlike g_assert, never compiled out. */
#define FUZZ_CHECK(cond)                                                                  \
  do {                                                                                    \
    if (!(cond))                                                                          \
      fuzz_check_failed(__FILE__, __LINE__, #cond);                                       \
  } while (0)

_Noreturn void fuzz_check_failed(const char *file, int line, const char *what);
