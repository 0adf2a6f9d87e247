package dev.hygiene.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The helper in place of the JDK's jspawnhelper (its spawn mode, spawn.c): with the POSIX_SPAWN
 * launch mechanism the JDK starts every child through {@code $JAVA_HOME/lib/jspawnhelper}, and
 * returns from start() only once that has exec'd the program. Given the helper's path instead, the
 * JDK runs the helper, which joins a cgroup of its own and leads a new process group, then does the
 * JDK's jspawnhelper's work itself for a JDK build whose protocol it knows (src/main/c/jdk_child.c:
 * one exec less per child than the plain JDK, since jspawnhelper's is the costly one), or becomes
 * the JDK's jspawnhelper with the JDK's own arguments and descriptors (one exec more). Either way
 * the start returns exactly when the program runs, already in its group: nothing to wait for, no
 * /proc to read, and the JDK's own errors.
 *
 * <p>The helper learns what to do from the name it is run under, and finds the rest through two
 * links beside it, made here once: in its private directory, {@code spawn} and
 * {@code spawn-cgroup} (hard links to the helper), {@code jspawnhelper} (to the JDK's) and
 * {@code cgroup} (to the JVM's cgroup directory, where the child makes {@link Cgroups#spawned its own}).
 */
final class JdkSpawn {

    /** The paths the JDK is given, as its C strings (NUL-terminated); CGROUP null without cgroups. */
    private final byte[] group, cgroup;

    private JdkSpawn(byte[] group, byte[] cgroup) {
        this.group = group;
        this.cgroup = cgroup;
    }

    /**
     * Makes the links in the helper's directory; null (and why, in WHY) if they cannot be made or
     * the JDK's jspawnhelper is not where the JDK runs it from.
     */
    static JdkSpawn prepare(Helper helper, Cgroups cgroups, StringBuilder why) {
        Path dir = helper.directory();
        String jdk = System.getProperty("java.home") + "/lib/jspawnhelper";
        if (!Files.isExecutable(Path.of(jdk))) {
            why.append(jdk).append(" is not an executable file");
            return null;
        }
        String text = dir.toString();
        for (int i = 0; i < text.length(); i++) {
            // The JDK turns its path into bytes with the platform's encoding: only ASCII is sure.
            if (text.charAt(i) >= 0x80) {
                why.append("the helper's directory ").append(text).append(" is not all ASCII");
                return null;
            }
        }
        try {
            Files.createSymbolicLink(dir.resolve(HelperProtocol.JSPAWNHELPER_LINK), Path.of(jdk));
            Path spawn = dir.resolve(HelperProtocol.SPAWN_FILE);
            Files.createLink(spawn, helper.file());
            Path spawnCgroup = null;
            if (cgroups != null) {
                Files.createSymbolicLink(dir.resolve(HelperProtocol.CGROUP_LINK), Path.of(cgroups.dir));
                spawnCgroup = dir.resolve(HelperProtocol.SPAWN_CGROUP_FILE);
                Files.createLink(spawnCgroup, helper.file());
            }
            return new JdkSpawn(cString(spawn), spawnCgroup == null ? null : cString(spawnCgroup));
        } catch (IOException | RuntimeException e) {
            why.append("cannot link in ").append(dir).append(": ").append(e);
            return null;
        }
    }

    /**
     * The helper's path for the JDK: with a cgroup of the child's own (made with the JVM's
     * cgroups, see {@link Cgroups#spawned}), or only a group.
     */
    byte[] path(boolean inCgroup) {
        return inCgroup ? cgroup : group;
    }

    private static byte[] cString(Path p) {
        byte[] s = p.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[s.length + 1];
        System.arraycopy(s, 0, out, 0, s.length);
        return out;
    }
}
