/* signal_mode: the helper's signal mode, the agent's way to signal groups and processes; see
 * signal_mode.c. */
#ifndef HYGIENE_SIGNAL_MODE_H
#define HYGIENE_SIGNAL_MODE_H

/* ARGV: signal TERM|INT|HUP|QUIT|USR1|USR2|KILL TARGET...; returns the exit status: 0, 1 if any
 * signal could not be sent, 2 on a usage error. */
int run_signal(int argc, char **argv);

#endif
