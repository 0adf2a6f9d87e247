package dev.hygiene.it.apps;

/**
 * Another agent whose premain runs before process-hygiene's (it comes first, from
 * JAVA_TOOL_OPTIONS) and loads java.lang.ProcessImpl there: on JDK 25 System.getenv does, which any
 * agent may call; on 17 it is loaded by name. Its jar (made by RetransformTest) holds only a
 * manifest; the class comes from the apps' class path.
 */
public final class EarlyProcessImplAgent {

    private EarlyProcessImplAgent() {}

    public static void premain(String args) throws ClassNotFoundException {
        System.getenv("PATH");
        Class.forName("java.lang.ProcessImpl");
    }
}
