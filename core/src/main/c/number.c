/* number: decimal numbers from the command line or a file, parsed with checks. */
#include "number.h"

#include <errno.h>
#include <stdlib.h>

int parse_number(const char *s, unsigned long long max, unsigned long long *out) {
    /* strtoull itself would accept blanks, a sign (and negate), and "0x" with base 0. */
    if (s[0] < '0' || s[0] > '9') return -1;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max) return -1;
    *out = v;
    return 0;
}
