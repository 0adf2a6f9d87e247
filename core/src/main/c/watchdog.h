/* watchdog: the helper's watch mode, which terminates the JVM's groups once the JVM has died
 * without doing so; see watchdog.c. */
#ifndef HYGIENE_WATCHDOG_H
#define HYGIENE_WATCHDOG_H

/* ARGV: watch INFO REPORT JVM_PID JVM_START GROUPS; returns the first process's exit status (0 once
 * the watchdog watches the JVM, 1 if it could not be set up, 2 on a usage error). The watchdog
 * itself returns 0 once its work is done (1 if it could not watch the JVM). */
int run_watch(int argc, char **argv);

#endif
