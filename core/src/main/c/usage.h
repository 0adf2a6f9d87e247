/* usage: the helper's usage message (hygiene-helper.c), for a mode given arguments it cannot use. */
#ifndef HYGIENE_USAGE_H
#define HYGIENE_USAGE_H

/* Prints every mode's argv on stderr; returns the exit status for a usage error, 2. */
int usage(void);

#endif
