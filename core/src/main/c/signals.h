/* signals: the signals the agent sends, by the names the JVM passes (no "SIG" prefix), and
 * sending them to a group or to one process: the one way for the signal mode and the watchdog. */
#ifndef HYGIENE_SIGNALS_H
#define HYGIENE_SIGNALS_H

#include <sys/types.h>

/* The signal named NAME: a stop signal (TERM, INT, HUP, QUIT, USR1, USR2) or KILL; 0 if none of those. */
int signal_number(const char *name);

/* SIG's name without "SIG" (TERM, KILL, CONT, INT...); "?" for another. */
const char *signal_label(int sig);

/* SIG to the process group PGID, then CONT unless SIG is KILL (so that stopped members act on it).
 * Refuses REFUSED_GROUP (the JVM's group, -1 if none is known), and PGID <= 1 and our own group
 * (kill(-0), kill(-1)). A group that is gone is not an error. Returns 0, or 1 after one line on
 * stderr, "WHO: kill(-PGID, SIG): ERROR" or "WHO: refusing group PGID: ...". */
int send_to_group(pid_t pgid, int sig, pid_t refused_group, const char *who);

/* SIG to the process PID if it still is the one that started at START (through a pidfd, see
 * pidfd.h), then CONT unless SIG is KILL. Refuses PID <= 1, ourselves, and REFUSED_PID (our parent,
 * the JVM; 0 for none). A process that is gone, or a PID that is another process's now, is not an
 * error. Returns 0, or 1 after one line on stderr, "WHO: pidfd_send_signal(PID, SIG): ERROR" (or
 * pidfd_open, or kill where there is no pidfd_open) or "WHO: refusing pid PID: ...". */
int send_to_process(pid_t pid, unsigned long long start, int sig, pid_t refused_pid, const char *who);

#endif
