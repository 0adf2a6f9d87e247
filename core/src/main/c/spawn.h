/* spawn: the helper's spawn mode, which the JDK runs in place of its jspawnhelper; see spawn.c. */
#ifndef HYGIENE_SPAWN_H
#define HYGIENE_SPAWN_H

/* True if ARGV0 names the helper as SPAWN_FILE or SPAWN_CGROUP_FILE (see protocol.h). */
int is_spawn(const char *argv0);

/* ARGV: as the JDK gives its jspawnhelper (ARGV[0] the path the JDK ran, a private directory's
 * SPAWN_FILE or SPAWN_CGROUP_FILE). Returns only if the JDK's jspawnhelper cannot be exec'd (1). */
int run_spawn(char **argv);

#endif
