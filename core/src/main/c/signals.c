/* The signals the agent sends: the first signal of the escalation (stop-signal: TERM, INT, HUP,
 * QUIT, USR1 or USR2; SIGCONT follows it, so that stopped members act on it), and KILL. */
#include "signals.h"

#include <signal.h>
#include <string.h>

static const struct {
    const char *name;
    int sig;
} SIGNALS[] = {
    {"TERM", SIGTERM}, {"INT", SIGINT}, {"HUP", SIGHUP}, {"QUIT", SIGQUIT},
    {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"KILL", SIGKILL},
};

int signal_number(const char *name) {
    for (size_t i = 0; i < sizeof SIGNALS / sizeof SIGNALS[0]; i++) {
        if (strcmp(SIGNALS[i].name, name) == 0) return SIGNALS[i].sig;
    }
    return 0;
}

const char *signal_label(int sig) {
    if (sig == SIGCONT) return "CONT";
    for (size_t i = 0; i < sizeof SIGNALS / sizeof SIGNALS[0]; i++) {
        if (SIGNALS[i].sig == sig) return SIGNALS[i].name;
    }
    return "?";
}
