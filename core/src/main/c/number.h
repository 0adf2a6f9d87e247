/* number: decimal numbers from the command line or a file, parsed with checks. */
#ifndef HYGIENE_NUMBER_H
#define HYGIENE_NUMBER_H

/* A decimal number without sign, blanks or trailing text, at most MAX: 0 and *OUT set, or -1. */
int parse_number(const char *s, unsigned long long max, unsigned long long *out);

#endif
