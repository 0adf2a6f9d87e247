/* exec: the helper's exec mode, which becomes the child's program; see exec.c. */
#ifndef HYGIENE_EXEC_H
#define HYGIENE_EXEC_H

/* ARGV: exec REPORT_DIR MARKER CGROUP PATH ARGV0 [ARG...]. Returns only on a usage error (2);
 * otherwise it execs the program, or exits 127. */
int run_exec(int argc, char **argv);

#endif
