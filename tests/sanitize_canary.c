/*
 * tests/sanitize_canary.c: planted memory bugs that make sanitize must catch
 * before it trusts a clean run (scripts/sanitize.sh).
 *
 * Usage: sanitize_canary heap|signed|leak|none
 *   heap    writes one byte past a heap block (AddressSanitizer, memcheck)
 *   signed  overflows a signed int (UndefinedBehaviorSanitizer)
 *   leak    loses the only pointer to a block (LeakSanitizer, memcheck)
 *   none    does nothing wrong
 *
 * The index and the operands come from the command line, so no compiler can
 * prove the bug at build time and warn instead.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    int bias = argc > 2 ? atoi(argv[2]) : 0;

    if (argc < 2) {
        fprintf(stderr, "usage: sanitize_canary heap|signed|leak|none\n");
        return 2;
    }
    if (strcmp(argv[1], "heap") == 0) {
        /* A volatile store: -O2 drops a plain store to a block freed next. */
        volatile char *block = malloc(16);

        if (block == NULL) {
            return 2;
        }
        block[16 + bias] = 1;
        free((char *)block);
    } else if (strcmp(argv[1], "signed") == 0) {
        volatile int value = INT_MAX - bias;

        value = value + 1;
        printf("%d\n", value);
    } else if (strcmp(argv[1], "leak") == 0) {
        char *volatile block = malloc(64 + (size_t)bias);

        if (block != NULL) {
            block[0] = 1;
        }
        block = NULL;
    } else if (strcmp(argv[1], "none") != 0) {
        fprintf(stderr, "sanitize_canary: unknown bug \"%s\"\n", argv[1]);
        return 2;
    }
    return 0;
}
