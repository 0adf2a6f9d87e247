package dev.hygiene.it.apps;

/**
 * Another agent that loads a process class of the JDK in its premain, which runs before
 * process-hygiene's where it comes from JAVA_TOOL_OPTIONS, after it where it is listed after it on
 * the command line. With no argument,
 * java.lang.ProcessImpl: on JDK 25 System.getenv does, which any agent may call; on 17 it is
 * loaded by name. With {@code ProcessBuilder}: it makes one, as an agent that prepares a command
 * would. Its jar (made by RetransformTest) holds only a manifest; the class comes from the apps'
 * class path.
 */
public final class EarlyProcessClassesAgent {

    private EarlyProcessClassesAgent() {}

    public static void premain(String args) throws ClassNotFoundException {
        if ("ProcessBuilder".equals(args)) {
            new ProcessBuilder("true");
            return;
        }
        System.getenv("PATH");
        Class.forName("java.lang.ProcessImpl");
    }
}
