package dev.hygiene.core;

import java.lang.StackWalker.StackFrame;
import java.util.Iterator;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The application frame that starts a process: the first stack frame outside the JDK and the
 * agent, written like a stack trace line ({@code com.example.Launcher.run(Launcher.java:42)}).
 * Only the few frames down to it are walked.
 */
final class Origin implements Function<Stream<StackFrame>, String> {

    private static final StackWalker WALKER = StackWalker.getInstance();
    private static final Origin FIRST_APPLICATION_FRAME = new Origin();

    private Origin() {}

    /** The first application frame of the current thread's stack, or null if there is none. */
    static String capture() {
        return WALKER.walk(FIRST_APPLICATION_FRAME);
    }

    @Override
    public String apply(Stream<StackFrame> frames) {
        for (Iterator<StackFrame> it = frames.iterator(); it.hasNext(); ) {
            StackFrame f = it.next();
            String c = f.getClassName();
            if (c.startsWith("java.") || c.startsWith("jdk.") || c.startsWith("sun.")
                    || c.startsWith("dev.hygiene.core.") || c.startsWith("dev.hygiene.agent.")) {
                continue;
            }
            String file = f.getFileName();
            int line = f.getLineNumber();
            return c + "." + f.getMethodName() + "("
                    + (file == null ? "Unknown Source" : line >= 0 ? file + ":" + line : file) + ")";
        }
        return null;
    }
}
