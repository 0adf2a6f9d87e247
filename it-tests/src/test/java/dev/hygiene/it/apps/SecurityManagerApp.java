package dev.hygiene.it.apps;

import java.io.BufferedReader;
import java.io.File;
import java.io.FilePermission;
import java.io.InputStreamReader;
import java.security.CodeSource;
import java.security.Permission;
import java.security.PermissionCollection;
import java.security.Permissions;
import java.security.Policy;
import java.security.ProtectionDomain;

/**
 * An application under a SecurityManager (JDK 17) that may execute {@code /bin/sh} and nothing
 * else, as the JDK's own ProcessBuilder/Basic.java sets it up. It reads nothing from /proc itself
 * (the test does, from outside). Lines:
 * <ul>
 *   <li>{@code GROUP <pid>}: a tree ({@code /bin/sh} with two sleeps) started; then it waits for
 *       {@code destroy} on stdin, destroys it and prints {@code EXIT <code>};</li>
 *   <li>{@code DENIED_EXEC <exception>}: starting {@code /usr/bin/env}, which it may not execute;</li>
 *   <li>{@code DENIED_REDIRECT <exception>}: starting {@code /bin/sh} with its output redirected to
 *       a file it may not write (the second argument);</li>
 *   <li>{@code GROUP <pid>} again: a second tree, left running; on {@code exit} on stdin main
 *       returns (and the agent's shutdown hook has that tree to terminate).</li>
 * </ul>
 * First arg {@code runtime}: the SecurityManager is installed here, after a first start ({@code /bin/sh
 * -c true}, so the agent's threads and shutdown hook exist before it), with a Policy object that
 * grants every code source the same (as Basic's does); {@code command-line}: the test installed
 * it with {@code -Djava.security.manager} and a policy file.
 */
public final class SecurityManagerApp {

    @SuppressWarnings("removal")
    public static void main(String[] args) throws Exception {
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in));
        if (args[0].equals("runtime")) {
            new ProcessBuilder("/bin/sh", "-c", "true").start().waitFor();
            Policy.setPolicy(new OnlyShell());
            System.setSecurityManager(new SecurityManager());
        }

        Process tree = new ProcessBuilder("/bin/sh", "-c", Trees.TREE).start();
        Report.line("GROUP " + tree.pid());
        expect(stdin, "destroy");
        tree.destroy();
        Report.line("EXIT " + tree.waitFor());

        try {
            new ProcessBuilder("/usr/bin/env").start();
            Report.line("DENIED_EXEC none");
        } catch (SecurityException e) {
            Report.line("DENIED_EXEC " + e);
        }
        try {
            new ProcessBuilder("/bin/sh", "-c", "true").redirectOutput(new File(args[1])).start();
            Report.line("DENIED_REDIRECT none");
        } catch (SecurityException e) {
            Report.line("DENIED_REDIRECT " + e);
        }

        Process left = new ProcessBuilder("/bin/sh", "-c", Trees.TREE).start();
        Report.line("GROUP " + left.pid());
        expect(stdin, "exit");
    }

    private static void expect(BufferedReader stdin, String word) throws Exception {
        String line = stdin.readLine();
        if (!word.equals(line)) throw new IllegalStateException("expected '" + word + "' on stdin, got " + line);
    }

    /** Execute /bin/sh, to every code source alike; what the JDK's default policy grants besides. */
    @SuppressWarnings("removal")
    private static final class OnlyShell extends Policy {
        private static final Policy DEFAULT = Policy.getPolicy();
        private final Permissions perms = new Permissions();

        OnlyShell() {
            perms.add(new FilePermission("/bin/sh", "execute"));
        }

        @Override
        public PermissionCollection getPermissions(CodeSource cs) {
            return perms;
        }

        @Override
        public PermissionCollection getPermissions(ProtectionDomain pd) {
            return perms;
        }

        @Override
        public boolean implies(ProtectionDomain pd, Permission p) {
            return perms.implies(p) || DEFAULT.implies(pd, p);
        }
    }
}
