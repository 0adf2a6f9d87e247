package dev.hygiene.agent;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.AgentLoadException;
import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * {@code java -jar process-hygiene-agent.jar attach PID [key=value,...]} loads the agent into a
 * running JVM; {@code status PID} shows what it does there. Uses the JDK's Attach API (module
 * jdk.attach, in every JDK) and the target's own JMX agent (started on demand, as jcmd does).
 * Exit codes: 0 done, 1 failed, 2 usage, 3 the agent is already there.
 */
public final class Cli {

    private static final String MBEAN = "dev.hygiene:type=ProcessHygiene";
    private static final PrintStream OUT = System.out;

    private Cli() {}

    public static void main(String[] args) {
        int code;
        try {
            code = run(args);
        } catch (NoClassDefFoundError e) {
            System.err.println("process-hygiene: this Java runtime has no Attach API (module jdk.attach): run the command with a JDK");
            code = 1;
        }
        System.exit(code);
    }

    static int run(String[] args) {
        if (args.length == 2 && args[0].equals("status")) return status(args[1]);
        if ((args.length == 2 || args.length == 3) && args[0].equals("attach")) {
            return attach(args[1], args.length == 3 ? args[2] : "");
        }
        OUT.println("process-hygiene: every child process in its own process group, whole groups terminated.");
        OUT.println();
        OUT.println("As an agent:");
        OUT.println("  java -javaagent:process-hygiene-agent.jar[=key=value,...] ...");
        OUT.println("  JAVA_TOOL_OPTIONS=-javaagent:process-hygiene-agent.jar ...");
        OUT.println();
        OUT.println("Commands:");
        OUT.println("  java -jar process-hygiene-agent.jar attach PID [key=value,...]   load the agent into a running JVM");
        OUT.println("  java -jar process-hygiene-agent.jar status PID                   show the groups it tracks there");
        OUT.println();
        OUT.println("Keys: grace (5s), log (warn), helper-dir, keep, report, containment (auto), orphans (keep), stop-signal (TERM), "
                + "stop (group), config-file, rule.NAME.{match,grace,stop-signal,stop,keep}; see README.md.");
        return args.length == 0 ? 0 : 2;
    }

    private static int attach(String pid, String options) {
        Integer problem = checkTarget(pid);
        if (problem != null) return problem;
        String already = loadedAtLaunch(pid);
        if (already != null) {
            System.err.println("process-hygiene: already present in " + pid + " (" + already + ")");
            return 3;
        }
        Path jar;
        try {
            jar = Path.of(Cli.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (Exception e) {
            System.err.println("process-hygiene: cannot find the agent jar: " + e);
            return 1;
        }
        VirtualMachine vm = connect(pid);
        if (vm == null) return 1;
        try {
            Properties props = vm.getSystemProperties();
            String version = props.getProperty("java.specification.version", "?");
            if (registered(vm)) {
                System.err.println("process-hygiene: already present in " + pid + " (its MBean " + MBEAN + " is registered)");
                return 3;
            }
            try {
                vm.loadAgent(jar.toString(), options);
            } catch (AgentInitializationException e) {
                System.err.println("process-hygiene: the agent did not start in " + pid
                        + " (already loaded by an earlier attach, or it failed: see that JVM's stderr)");
                return 3;
            } catch (AgentLoadException e) {
                System.err.println("process-hygiene: " + pid + " could not load the agent: " + e.getMessage());
                return 1;
            }
            OUT.println("process-hygiene: attached to " + pid + " (Java " + version + "): new children get process groups of"
                    + " their own, running children are adopted and terminated with their trees");
            if (dynamicLoadingWarns(pid, version)) {
                OUT.println("process-hygiene: note: Java " + version + " printed a warning about a dynamically loaded agent"
                        + " on that JVM's stderr; start it with -XX:+EnableDynamicAgentLoading (or with -javaagent) to avoid it");
            }
            return 0;
        } catch (IOException e) {
            System.err.println("process-hygiene: attaching to " + pid + " failed: " + e.getMessage());
            return 1;
        } finally {
            detach(vm);
        }
    }

    /** True if the agent's MBean is registered in VM: it was attached before (or started a process). */
    private static boolean registered(VirtualMachine vm) {
        try {
            String address = vm.startLocalManagementAgent();
            try (JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
                return c.getMBeanServerConnection().isRegistered(new ObjectName(MBEAN));
            }
        } catch (Exception e) {
            return false; // no JMX there: loadAgent will tell
        }
    }

    private static int status(String pid) {
        Integer problem = checkTarget(pid);
        if (problem != null) return problem;
        VirtualMachine vm = connect(pid);
        if (vm == null) return 1;
        try {
            String address = vm.startLocalManagementAgent();
            try (JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
                MBeanServerConnection mbs = c.getMBeanServerConnection();
                ObjectName name = new ObjectName(MBEAN);
                // The agent registers its MBean within a second of the JMX agent starting.
                long deadline = System.nanoTime() + 3_000_000_000L;
                while (!mbs.isRegistered(name) && System.nanoTime() < deadline) Thread.sleep(50);
                if (!mbs.isRegistered(name)) {
                    System.err.println("process-hygiene: not active in " + pid
                            + " (not loaded, or no process started there yet)");
                    return 1;
                }
                print(pid, mbs, name);
                return 0;
            }
        } catch (Exception e) {
            System.err.println("process-hygiene: cannot read the status of " + pid + ": " + e);
            return 1;
        } finally {
            detach(vm);
        }
    }

    private static void print(String pid, MBeanServerConnection mbs, ObjectName n) throws Exception {
        CompositeData[] groups = (CompositeData[]) mbs.getAttribute(n, "Groups");
        OUT.println("process-hygiene in JVM " + pid + ": " + groups.length + " live group" + (groups.length == 1 ? "" : "s"));
        OUT.println("  started " + mbs.getAttribute(n, "ProcessesStarted") + ", isolated "
                + mbs.getAttribute(n, "ProcessesIsolated") + ", not isolated " + mbs.getAttribute(n, "ProcessesNotIsolated")
                + reasons(mbs.getAttribute(n, "NotIsolatedReasons")) + ", kept " + mbs.getAttribute(n, "ProcessesKept")
                + ", adopted " + mbs.getAttribute(n, "ProcessesAdopted"));
        OUT.println("  terminated " + mbs.getAttribute(n, "GroupsTerminatedBySigterm") + " by their stop signal, "
                + mbs.getAttribute(n, "GroupsTerminatedBySigkill") + " needed SIGKILL; escaped members caught "
                + mbs.getAttribute(n, "EscapeesCaught"));
        if (groups.length == 0) return;
        OUT.println();
        OUT.println(String.format(Locale.ROOT, "  %8s  %9s  %-11s  %-40s  %-32s  %s", "PID", "AGE", "CONTAINMENT", "COMMAND",
                "STOPPED BY", "STARTED AT"));
        for (CompositeData g : groups) {
            String command = (String) g.get("command");
            if (command.length() > 40) command = command.substring(0, 37) + "...";
            OUT.println(String.format(Locale.ROOT, "  %8d  %9s  %-11s  %-40s  %-32s  %s", (Long) g.get("pid"),
                    age((Long) g.get("ageMillis")), containment(g), command, policy(g), g.get("startedAt")));
        }
    }

    /** SIGINT, leader-first, grace 30s (rule postgres); "-" from an agent without policies (older). */
    private static String policy(CompositeData g) {
        if (!g.containsKey("stopSignal")) return "-";
        long grace = (Long) g.get("graceMillis");
        String rule = (String) g.get("rule");
        return g.get("stopSignal") + ", " + g.get("stopMode") + ", " + (grace % 1000 == 0 ? grace / 1000 + "s" : grace + "ms")
                + (rule.isEmpty() ? "" : " (rule " + rule + ")");
    }

    /** cgroup, group or tree; from an agent without containment (older): group or tree. */
    private static String containment(CompositeData g) {
        if (g.containsKey("containment")) return (String) g.get("containment");
        return (Boolean) g.get("isolated") ? "group" : "tree";
    }

    private static String reasons(Object table) {
        if (!(table instanceof javax.management.openmbean.TabularData)) return "";
        StringBuilder b = new StringBuilder();
        for (Object row : ((javax.management.openmbean.TabularData) table).values()) {
            CompositeData r = (CompositeData) row;
            b.append(b.length() == 0 ? " (" : ", ").append(r.get("key")).append(' ').append(r.get("value"));
        }
        return b.length() == 0 ? "" : b.append(')').toString();
    }

    private static String age(long ms) {
        if (ms < 60_000) return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
        if (ms < 3_600_000) return (ms / 60_000) + "m" + (ms % 60_000) / 1000 + "s";
        return (ms / 3_600_000) + "h" + (ms % 3_600_000) / 60_000 + "m";
    }

    /** An exit code if PID is not something we can attach to, else null. */
    private static Integer checkTarget(String pid) {
        if (!pid.matches("[0-9]+")) {
            System.err.println("process-hygiene: '" + pid + "' is not a process id");
            return 2;
        }
        if (!Files.isDirectory(Path.of("/proc", pid))) {
            System.err.println("process-hygiene: no process " + pid);
            return 1;
        }
        return null;
    }

    private static VirtualMachine connect(String pid) {
        try {
            return VirtualMachine.attach(pid);
        } catch (AttachNotSupportedException e) {
            System.err.println("process-hygiene: cannot attach to " + pid + ": not a JVM that accepts attach, or one"
                    + " running as another user (" + e.getMessage() + ")");
        } catch (IOException e) {
            System.err.println("process-hygiene: cannot attach to " + pid + ": " + e.getMessage());
        }
        return null;
    }

    private static void detach(VirtualMachine vm) {
        try {
            vm.detach();
        } catch (IOException ignored) {
            // the target is gone
        }
    }

    /** How the agent was given to PID at launch, if it was: from its command line or environment. */
    static String loadedAtLaunch(String pid) {
        String cmdline = read(Path.of("/proc", pid, "cmdline"));
        for (String arg : cmdline.split("\0")) {
            if (arg.startsWith("-javaagent:") && arg.contains("process-hygiene")) return arg;
        }
        String environ = read(Path.of("/proc", pid, "environ"));
        for (String entry : environ.split("\0")) {
            for (String var : new String[] {"JAVA_TOOL_OPTIONS=", "JDK_JAVA_OPTIONS=", "_JAVA_OPTIONS="}) {
                if (entry.startsWith(var) && entry.contains("-javaagent:") && entry.contains("process-hygiene")) return entry;
            }
        }
        return null;
    }

    /** True if PID runs Java 21+ without -XX:+EnableDynamicAgentLoading (JEP 451 warns then). */
    private static boolean dynamicLoadingWarns(String pid, String version) {
        int major;
        try {
            major = Integer.parseInt(version.split("\\.")[0]);
        } catch (NumberFormatException e) {
            return false;
        }
        if (major < 21) return false;
        String cmdline = read(Path.of("/proc", pid, "cmdline")) + read(Path.of("/proc", pid, "environ"));
        return !cmdline.contains("EnableDynamicAgentLoading");
    }

    private static String read(Path p) {
        try {
            return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
