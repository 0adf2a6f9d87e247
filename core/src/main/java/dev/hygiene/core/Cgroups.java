package dev.hygiene.core;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cgroup v2 directories of one JVM's children: {@code <mount><JVM's cgroup>/process-hygiene-
 * <pid>-<start time>}, made at the first process start, with one cgroup {@code c<N>} per child,
 * made by the helper, which moves itself into it before it execs the child's program (see
 * src/main/c/cgroup.c). Membership is inherited by every descendant and cannot be left by fork,
 * setsid, exec or a change of user; {@code cgroup.kill} (Linux 5.14+) kills a whole cgroup at
 * once; {@code cgroup.events} says {@code populated 0} once every member has exited (zombies are
 * not members). No controller is enabled anywhere, so a cgroup holding processes (the JVM's own,
 * or a nested JVM's inside its parent's child cgroup) may have child cgroups. See cgroups(7).
 *
 * <p>The directory is shared by every {@link ProcessHygiene} of the JVM (unit tests make several),
 * and so is the child counter.
 */
final class Cgroups {

    static final String PREFIX = "process-hygiene-";
    private static final AtomicLong CHILDREN = new AtomicLong();

    /** The JVM's directory, absolute. */
    final String dir;
    /** The same as /proc/PID/cgroup names it (relative to the cgroup namespace's root). */
    private final String procPath;

    private Cgroups(String dir, String procPath) {
        this.dir = dir;
        this.procPath = procPath;
    }

    /**
     * Makes the JVM's directory under its own cgroup in the cgroup2 mount (mode 0755); null if
     * that is impossible here, with the reason in WHY (no cgroup v2, a read-only mount, no
     * permission: most containers).
     */
    static Cgroups create(long pid, long startTime, StringBuilder why) {
        String own = ownCgroup();
        if (own == null) {
            why.append("no cgroup v2 in /proc/self/cgroup");
            return null;
        }
        String[] mount = mount(own);
        if (mount == null) {
            why.append("no cgroup2 file system mounted over the JVM's cgroup ").append(own);
            return null;
        }
        // The mount shows the hierarchy from its root on: the JVM's cgroup relative to that.
        String relative = mount[1].equals("/") ? own : own.substring(mount[1].length());
        String name = PREFIX + pid + "-" + startTime;
        String dir = join(mount[0], join(relative, name));
        // java.io, not java.nio.file: 0.3 ms instead of 2.1 to 2.7 ms in a fresh JVM (measured,
        // JDK 17), at the first start. NIO is asked only for the reason of a failure, and not even
        // then for the commonest one, a read-only mount (most containers), which its options tell.
        File d = new File(dir);
        if (d.mkdir()) {
            // Mode 0755 whatever the umask (mkdir gave 0777 less the umask).
            boolean set = d.setWritable(false, false) & d.setWritable(true, true) & d.setReadable(true, false)
                    & d.setExecutable(true, false);
            if (!set) Log.debug("cannot set the mode of " + dir + " to 0755");
        } else if (d.exists()) {
            // Another ProcessHygiene of this JVM made it (the name holds our pid and start time).
            if (!d.isDirectory()) {
                why.append(dir).append(" exists and is not a directory");
                return null;
            }
        } else {
            why.append("cannot create ").append(dir).append(": ")
                    .append(isReadOnly(mount[2]) ? "Read-only file system" : whyNotCreated(dir));
            return null;
        }
        return new Cgroups(dir, join(own, name));
    }

    /** True if the mount options OPTIONS (mountinfo's field 6) say read-only. */
    private static boolean isReadOnly(String options) {
        return options.equals("ro") || options.startsWith("ro,");
    }

    /** Why DIR cannot be made, as the file system says it (NIO names the reason; java.io does not). */
    private static String whyNotCreated(String dir) {
        try {
            Files.createDirectory(Path.of(dir), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            // Made after all (a race with whatever refused it a moment ago): not ours to keep.
            new File(dir).delete();
            return "mkdir failed, then succeeded";
        } catch (IOException | RuntimeException e) {
            return reason(e);
        }
    }

    private static String join(String parent, String child) {
        if (child.startsWith("/")) child = child.substring(1);
        if (child.isEmpty()) return parent;
        return parent.endsWith("/") ? parent + child : parent + "/" + child;
    }

    private static String reason(Exception e) {
        if (e instanceof java.nio.file.FileSystemException) {
            String r = ((java.nio.file.FileSystemException) e).getReason();
            if (r != null) return r;
            if (e instanceof java.nio.file.AccessDeniedException) return "Permission denied";
            if (e instanceof java.nio.file.NoSuchFileException) return "No such file or directory";
        }
        return String.valueOf(e.getMessage());
    }

    /** The JVM's cgroup v2 path, from the line {@code 0::PATH} of /proc/self/cgroup; null if none. */
    static String ownCgroup() {
        String text = read("/proc/self/cgroup");
        if (text == null) return null;
        for (String line : text.split("\n")) {
            if (line.startsWith("0::/")) return line.substring(3);
        }
        return null;
    }

    /**
     * The cgroup2 mount that shows the cgroup OWN: {mount point, root of the mount, mount options}, from
     * /proc/self/mountinfo (fields: id, parent, dev, root, mount point, options, optional fields,
     * "-", file system type, ...; spaces and the like escaped as \ooo). Null if none does.
     */
    static String[] mount(String own) {
        String text = read("/proc/self/mountinfo");
        if (text == null) return null;
        for (String line : text.split("\n")) {
            int dash = line.indexOf(" - ");
            if (dash < 0 || !line.startsWith("cgroup2 ", dash + 3)) continue;
            String[] f = line.substring(0, dash).split(" ");
            if (f.length < 5) continue;
            String root = unescape(f[3]);
            if (root.equals("/") || own.equals(root) || own.startsWith(root + "/")) {
                return new String[] {unescape(f[4]), root, f[5]};
            }
        }
        return null;
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                try {
                    b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                    i += 3;
                    continue;
                } catch (NumberFormatException e) {
                    // not an escape: keep the backslash
                }
            }
            b.append(c);
        }
        return b.toString();
    }

    /** A new child cgroup's path (not made yet: the helper makes it). */
    String next() {
        return dir + "/c" + CHILDREN.incrementAndGet();
    }

    /** The cgroup the helper makes for the child PID in spawn mode (see {@link JdkSpawn}). */
    String spawned(long pid) {
        return dir + "/" + HelperProtocol.CHILD_CGROUP_PREFIX + pid;
    }

    /**
     * True if PID is in the child cgroup CGROUP (one of {@link #next}'s), read from
     * /proc/PID/cgroup (a zombie still shows its cgroup); for a process already reaped, whether the
     * directory exists (the helper removes it again when it cannot enter it).
     */
    boolean holds(long pid, String cgroup) {
        String text = readSmall("/proc/" + pid + "/cgroup");
        if (text == null) return new File(cgroup).isDirectory();
        String expected = "0::" + procPath + cgroup.substring(dir.length());
        for (String line : text.split("\n")) {
            if (line.startsWith("0::")) return line.equals(expected);
        }
        return false;
    }

    /** The pids in CGROUP itself (not in its child cgroups); none if it is gone. */
    static List<Long> procs(String cgroup) {
        List<Long> out = new ArrayList<>();
        String text = read(cgroup + "/cgroup.procs");
        if (text == null) return out;
        for (String line : text.split("\n")) {
            if (line.isEmpty()) continue;
            try {
                out.add(Long.parseLong(line.trim()));
            } catch (NumberFormatException e) {
                // not a pid: ignored
            }
        }
        return out;
    }

    /** The pids in CGROUP and in every cgroup below it. */
    static List<Long> allProcs(String cgroup) {
        List<Long> out = procs(cgroup);
        for (File sub : subdirectories(cgroup)) out.addAll(allProcs(sub.getPath()));
        return out;
    }

    /** True while a live process is in CGROUP or below it ({@code populated 1} in cgroup.events). */
    static boolean populated(String cgroup) {
        String text = readSmall(cgroup + "/cgroup.events");
        return text != null && text.contains("populated 1");
    }

    /**
     * Kills every process in CGROUP and below it at once (writes 1 to cgroup.kill, Linux 5.14+:
     * even processes forking meanwhile). False if that is not possible (an older kernel, or the
     * cgroup is gone).
     */
    static boolean kill(String cgroup) {
        try (FileOutputStream out = new FileOutputStream(cgroup + "/cgroup.kill")) {
            out.write('1');
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Removes CGROUP and the cgroups below it, deepest first (rmdir: only cgroups without live
     * processes can go). True if it is gone.
     */
    static boolean remove(String cgroup) {
        File d = new File(cgroup);
        if (d.delete()) return true; // the usual case: no cgroup below it, one rmdir
        if (!d.exists()) return true;
        for (File sub : subdirectories(cgroup)) remove(sub.getPath());
        return d.delete() || !d.exists();
    }

    /** At shutdown: removes every child cgroup that is empty, then the JVM's directory if it is empty then. */
    boolean removeAll() {
        return remove(dir);
    }

    /** The children's cgroups whose names are PREFIX and a number (paths). */
    List<String> children(String prefix) {
        List<String> out = new ArrayList<>();
        for (File f : subdirectories(dir)) {
            String name = f.getName();
            if (name.length() > prefix.length() && name.startsWith(prefix) && digits(name, prefix.length())) {
                out.add(f.getPath());
            }
        }
        return out;
    }

    /** True if S holds only digits from FROM on. */
    private static boolean digits(String s, int from) {
        for (int i = from; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }

    /** The cgroups directly below CGROUP (its subdirectories; cgroupfs has no other). */
    private static List<File> subdirectories(String cgroup) {
        List<File> out = new ArrayList<>();
        File[] all = new File(cgroup).listFiles();
        if (all != null) for (File f : all) if (f.isDirectory()) out.add(f);
        return out;
    }

    /** A kernel file of at most a few kB (cgroup.events, /proc/PID/cgroup), or null if unreadable. */
    private static String readSmall(String path) {
        byte[] b = new byte[4096];
        try {
            int n = ProcStat.readFile(path, b);
            return new String(b, 0, n, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return null;
        }
    }

    /** A kernel file of any size (cgroup.procs may grow large: read to its end), or null if unreadable. */
    static String read(String path) {
        try (FileInputStream in = new FileInputStream(path)) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return dir;
    }
}
