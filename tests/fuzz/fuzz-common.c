/* Helpers shared by every fuzz target, in both builds (libFuzzer and replay). */
#include <stdio.h>
#include <stdlib.h>
#include "tests/fuzz/fuzz.h"

void fuzz_check_failed(const char *file, int line, const char *what)
{
  fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", file, line, what);
  fflush(stderr);
  abort();
}
