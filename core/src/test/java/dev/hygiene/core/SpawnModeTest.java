package dev.hygiene.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The helper in spawn mode (spawn.c, jdk_child.c), run as a JDK runs its jspawnhelper: the JDK's
 * three arguments, and what the JDK writes down the pipe (its ChildStuff and SpawnInfo, then the
 * strings), here from a test instead of a JVM. For a JDK build the helper knows it does the JDK's
 * jspawnhelper's work itself (the JDK's "alive" ping, the descriptors, the directory, the exec, or
 * the errno on the fail pipe); for any other it execs the JDK's jspawnhelper, which is replaced
 * here by a script that only says it ran.
 */
class SpawnModeTest {

    /** A build the helper knows (Debian's JDK 17 of these machines), and one it does not. */
    private static final String KNOWN = "17.0.15+6-Debian-1deb12u1";
    private static final String UNKNOWN = "21.0.1+12-LTS";

    @TempDir
    Path tmp;

    private Helper helper;

    @AfterEach
    void deleteHelper() {
        if (helper != null) helper.delete();
    }

    /** The result of one run: the child's stdout and stderr, its exit status, and the fail pipe's bytes. */
    private static final class Run {
        final String out;
        final int exit;
        final byte[] fail;

        Run(String out, int exit, byte[] fail) {
            this.out = out;
            this.exit = exit;
            this.fail = fail;
        }
    }

    /**
     * Runs DIR/spawn VERSION 5:6:7 as the JDK would, where 5 and 6 are the two ends of a FIFO that
     * already holds SETUP, and 7 is the fail pipe (a file here).
     */
    private Run spawn(String version, byte[] setup) throws Exception {
        Path dir = spawnDirectory();
        int n = ++runs;
        Path fifo = tmp.resolve("fifo" + n);
        Path fail = tmp.resolve("fail" + n);
        Path setupFile = Files.write(tmp.resolve("setup" + n), setup);
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0);
        // The FIFO opened for reading and writing first (no open blocks), the set-up in its buffer.
        String script = "exec 5<>'" + fifo + "' 6>'" + fifo + "' 7>'" + fail + "' && cat '" + setupFile + "' >&6 && exec '"
                + dir.resolve(HelperProtocol.SPAWN_FILE) + "' '" + version + "' 5:6:7";
        Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "the child ended: " + out);
        return new Run(out, p.exitValue(), Files.readAllBytes(fail));
    }

    private int runs;

    /**
     * The helper's directory as {@link JdkSpawn#prepare} makes it (made once per test), but with a
     * jspawnhelper that only says that it ran, and with what.
     */
    private Path spawnDirectory() throws Exception {
        if (helper != null) return helper.directory();
        helper = Helper.extract(tmp, null, new StringBuilder());
        assertNotNull(helper);
        Path dir = helper.directory();
        Files.createLink(dir.resolve(HelperProtocol.SPAWN_FILE), helper.file());
        Path jspawnhelper = Files.writeString(dir.resolve(HelperProtocol.JSPAWNHELPER_LINK),
                "#!/bin/sh\necho \"jspawnhelper ran: $*\"\n");
        Files.setPosixFilePermissions(jspawnhelper, PosixFilePermissions.fromString("rwx------"));
        return dir;
    }

    /**
     * What a JDK writes to its jspawnhelper: the magic number, ChildStuff (no pipes: the child keeps
     * descriptors 0, 1 and 2; the fail pipe is 7, the set-up pipe 5 and 6; POSIX_SPAWN; the alive
     * ping wanted), SpawnInfo, and the strings: ARGV, ENV (null: the JVM's), DIR (null: the
     * JVM's), PATH (the JVM's, split).
     */
    private static byte[] setup(String[] argv, String[] env, String dir, String[] path) {
        byte[] a = block(argv);
        byte[] e = env == null ? new byte[0] : block(env);
        byte[] d = dir == null ? new byte[0] : block(new String[] {dir});
        byte[] s = block(path);
        ByteBuffer b = ByteBuffer.allocate(4 + 96 + 28 + a.length + e.length + d.length + s.length).order(ByteOrder.nativeOrder());
        b.putInt(43110);
        // in[2], out[2], err[2], fail[2], childenv[2], fds[3], mode
        for (int i : new int[] {-1, -1, -1, -1, -1, -1, -1, 7, 5, 6, 0, 1, 2, 2}) b.putInt(i);
        b.putLong(0).putInt(argv.length).putInt(0).putLong(0).putLong(0); // argv, argc, (padding), envv, pdir: the JVM's
        b.putInt(0).putInt(1); // redirectErrorStream, sendAlivePing
        b.putInt(argv.length + 1).putInt(a.length).putInt(env == null ? 0 : env.length + 1).putInt(e.length).putInt(d.length)
                .putInt(path.length + 1).putInt(s.length);
        b.put(a).put(e).put(d).put(s);
        return b.array();
    }

    private static byte[] block(String[] strings) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String s : strings) {
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        return out.toByteArray();
    }

    private static byte[] ints(int... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.nativeOrder());
        for (int v : values) b.putInt(v);
        return b.array();
    }

    private static final int ALIVE = 65535;

    @Test
    void forAJdkItKnowsTheProgramIsTheNextExecInANewGroup() throws Exception {
        Run r = spawn(KNOWN, setup(new String[] {"/bin/sh", "-c", "echo \"$0 $$ $(cut -d' ' -f5 /proc/$$/stat)\""}, null, null,
                new String[] {"/bin"}));
        String[] f = r.out.split(" ");
        assertEquals(0, r.exit, r.out);
        assertEquals(3, f.length, r.out);
        assertEquals("/bin/sh", f[0], "argv[0] as the JDK gave it: " + r.out);
        assertEquals(f[1], f[2], "the program leads its own group: " + r.out);
        assertArrayEquals(ints(ALIVE), r.fail, "the alive ping, then end-of-file at the exec");
    }

    @Test
    void onlyTheStandardDescriptorsReachTheProgram() throws Exception {
        // ls lists its own directory descriptor (3) besides 0, 1 and 2; the FIFO (5, 6) and the
        // fail pipe (7) are gone.
        Run r = spawn(KNOWN, setup(new String[] {"/bin/ls", "/proc/self/fd"}, null, null, new String[] {"/bin"}));
        assertEquals("0\n1\n2\n3", r.out);
        assertArrayEquals(ints(ALIVE), r.fail);
    }

    @Test
    void theEnvironmentAndDirectoryAreTheJdksAndThePathSearchIsTheJvms() throws Exception {
        Run r = spawn(KNOWN, setup(new String[] {"sh", "-c", "echo \"$A ${HOME-no home} $(pwd)\""}, new String[] {"A=1"},
                tmp.toString(), new String[] {"/no/such/dir", "/bin"}));
        assertEquals(0, r.exit, r.out);
        assertEquals("1 no home " + tmp.toRealPath(), r.out);
        assertArrayEquals(ints(ALIVE), r.fail);
    }

    @Test
    void aScriptWithoutInterpreterLineRunsUnderSh() throws Exception {
        Path script = Files.writeString(tmp.resolve("script"), "echo \"script $1\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        Run r = spawn(KNOWN, setup(new String[] {script.toString(), "arg"}, new String[] {"B=2"}, null, new String[] {"/bin"}));
        assertEquals("script arg", r.out);
        assertArrayEquals(ints(ALIVE), r.fail);
    }

    @Test
    void aFailedExecIsTheErrnoOnTheFailPipeAsTheJdkExpects() throws Exception {
        Run r = spawn(KNOWN, setup(new String[] {"no-such-program-anywhere"}, new String[] {"C=3"}, null,
                new String[] {"/no/such/dir", "/bin"}));
        assertEquals("", r.out, "nothing on the child's streams");
        assertEquals(255, r.exit);
        assertArrayEquals(ints(ALIVE, 2), r.fail, "the ping, then ENOENT");
    }

    @Test
    void aDirectoryThatCannotBeEnteredIsTheErrnoOnTheFailPipe() throws Exception {
        Run r = spawn(KNOWN, setup(new String[] {"/bin/true"}, null, tmp.resolve("gone").toString(), new String[] {"/bin"}));
        assertEquals(255, r.exit);
        assertArrayEquals(ints(ALIVE, 2), r.fail);
    }

    @Test
    void aSetupThatIsNotTheKnownLayoutIsRefusedNotGuessed() throws Exception {
        byte[] setup = setup(new String[] {"/bin/true"}, null, null, new String[] {"/bin"});
        setup[4 + 4 * 8] = 9; // childenv[0]: not the descriptor the arguments name
        Run r = spawn(KNOWN, setup);
        assertEquals(1, r.exit, "as jspawnhelper exits for a set-up it cannot read: " + r.out);
        assertArrayEquals(ints(2), r.fail, "ERR_PIPE to the JDK");
    }

    @Test
    void forAJdkItDoesNotKnowTheJdksJspawnhelperRunsWithItsArguments() throws Exception {
        Run r = spawn(UNKNOWN, setup(new String[] {"/bin/true"}, null, null, new String[] {"/bin"}));
        assertEquals("jspawnhelper ran: " + UNKNOWN + " 5:6:7", r.out);
        assertArrayEquals(new byte[0], r.fail, "the pipe is left to it, unread");
    }

    @Test
    void theBuildsItKnowsAreTheCheckedOnes() throws Exception {
        byte[] setup = setup(new String[] {"/bin/sh", "-c", "echo direct"}, null, null, new String[] {"/bin"});
        for (String v : new String[] {"17.0.15", "17.0.19+10-LTS", "25.0.3+9-LTS"}) {
            assertEquals("direct", spawn(v, setup).out, v);
        }
        for (String v : new String[] {"17.0.14+7", "17.0.20+8", "25.0.2+10", "25+36", "21.0.5+11", "17.0.15x", "17.1.15"}) {
            assertEquals("jspawnhelper ran: " + v + " 5:6:7", spawn(v, setup).out, v);
        }
    }

    @Test
    void argumentsTheJdkNeverGivesAreLeftToItsJspawnhelper() throws Exception {
        Path dir = spawnDirectory();
        Process p = new ProcessBuilder(dir.resolve(HelperProtocol.SPAWN_FILE).toString(), KNOWN, "not-descriptors")
                .redirectErrorStream(true).start();
        assertEquals("jspawnhelper ran: " + KNOWN + " not-descriptors",
                new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    }
}
