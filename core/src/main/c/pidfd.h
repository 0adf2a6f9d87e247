/* pidfd: signals to one process that cannot reach another process that got its pid number
 * meanwhile. See pidfd_open(2), pidfd_send_signal(2). */
#ifndef HYGIENE_PIDFD_H
#define HYGIENE_PIDFD_H

#include <sys/types.h>

/* pidfd_open(PID, 0) through syscall(2) (the C library may lack the wrapper): a descriptor that
 * stays bound to the process PID is now, or -1 with errno (ESRCH: no such process; ENOSYS: a
 * kernel before 5.3). */
int pidfd_open_pid(pid_t pid);

/* Sends SIG to PID only if PID is still the process that started at START (field 22 of
 * /proc/PID/stat): pidfd_open first, then the start time is read, then pidfd_send_signal, so the
 * signal reaches the process that was checked even if it exits and its number is reused in
 * between. Where pidfd_open is ENOSYS, kill(2) after the same check. Refuses PID <= 1 and
 * ourselves (EPERM).
 * Returns 0 if sent, 1 if not sent because the process is gone or PID now belongs to another
 * process (not an error), -1 with errno if refused or failed; *CALL then names the call that
 * failed ("pidfd_open", "pidfd_send_signal", or "kill" where pidfd_open is ENOSYS). */
int proc_signal(pid_t pid, unsigned long long start, int sig, const char **call);

#endif
