/* The signals the agent sends, by the names the JVM passes (no "SIG" prefix). */
#ifndef HYGIENE_SIGNALS_H
#define HYGIENE_SIGNALS_H

/* The signal named NAME: a stop signal (TERM, INT, HUP, QUIT, USR1, USR2) or KILL; 0 if none of those. */
int signal_number(const char *name);

/* SIG's name without "SIG" (TERM, KILL, CONT, INT...); "?" for another. */
const char *signal_label(int sig);

#endif
