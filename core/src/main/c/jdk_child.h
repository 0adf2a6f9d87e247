/* jdk_child: the work of the JDK's jspawnhelper, done by the helper itself for the JDK builds whose
 * protocol it knows; see jdk_child.c. */
#ifndef HYGIENE_JDK_CHILD_H
#define HYGIENE_JDK_CHILD_H

/* How the JDK build named VERSION (its jspawnhelper's first argument, e.g. "17.0.15+6-LTS") sets
 * up a child: JDK_CHILD_17 or JDK_CHILD_25; 0 where the helper does not know it (then the JDK's
 * own jspawnhelper is to run). */
#define JDK_CHILD_17 17
#define JDK_CHILD_25 25
int jdk_child_kind(const char *version);

/* Does what the JDK's jspawnhelper does with ARGV (as the JDK gives it: the path it ran, VERSION,
 * "FDIN_READ:FDIN_WRITE:FDOUT"), for a JDK of KIND: reads the child's set-up from the JDK's pipe,
 * sets up the descriptors, the directory and the signals as that JDK does, and execs the program,
 * or tells the JDK why not (the errno on its fail pipe). Returns, having read nothing, only if
 * ARGV is not what the JDK gives (its jspawnhelper is then to say what is wrong). */
void jdk_child_run(char **argv, int kind);

#endif
