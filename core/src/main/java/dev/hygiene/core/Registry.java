package dev.hygiene.core;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

/**
 * The live groups, by leader pid, and the {@link Cleaner} that reports a {@link Process} the
 * application dropped (the JDK's common one where the agent hands it over, else one of its own).
 *
 * <p>The JDK keeps a Process strongly reachable until its child exits, so the Cleaner fires only
 * after the leader is gone and the application no longer holds the Process: exactly when what is
 * left of the group has become orphans. The cleaning action holds the group, never the Process.
 */
final class Registry {

    /**
     * A Cleaner whose thread runs already, handed over by the agent ({@link
     * ProcessHygiene#sharedCleaner}: the JDK's common one), or null: then a Cleaner of its own is
     * made at the first registration, with its thread.
     */
    static volatile Cleaner shared;

    private final ConcurrentHashMap<Long, ProcessGroup> live = new ConcurrentHashMap<>();
    private final Consumer<ProcessGroup> onDropped;
    private volatile Cleaner cleaner;

    Registry(Consumer<ProcessGroup> onDropped) {
        this.onDropped = onDropped;
    }

    /** Registers GROUP; with its PROCESS (null for an adopted child), also for when it is dropped. */
    void add(ProcessGroup group, Process process) {
        live.put(group.pid, group);
        if (process == null) return;
        group.process(process);
        cleaner().register(process, new Dropped(group, onDropped));
    }

    /** The live group led by PID, or null. */
    ProcessGroup get(long pid) {
        return live.get(pid);
    }

    /** False if GROUP was not registered (any more). */
    boolean remove(ProcessGroup group) {
        return live.remove(group.pid, group);
    }

    boolean contains(ProcessGroup group) {
        return live.get(group.pid) == group;
    }

    List<ProcessGroup> snapshot() {
        return new ArrayList<>(live.values());
    }

    int size() {
        return live.size();
    }

    private Cleaner cleaner() {
        Cleaner c = cleaner;
        if (c == null) {
            synchronized (this) {
                c = cleaner;
                if (c == null) {
                    c = shared;
                    if (c == null) c = Cleaner.create(new CleanerThreads());
                    cleaner = c;
                }
            }
        }
        return c;
    }

    private static final class CleanerThreads implements ThreadFactory {
        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "process-hygiene-cleaner");
            t.setDaemon(true);
            return t;
        }
    }

    /**
     * The cleaning action: static, so it cannot capture the Process. Quick, and it never waits for
     * a process (the escalation has a thread of its own), so it may run on the JDK's common Cleaner;
     * that thread has no permissions (JDK 17 to 23), hence the agent's own ({@link Privileged}).
     */
    private static final class Dropped implements Runnable {
        private final ProcessGroup group;
        private final Consumer<ProcessGroup> onDropped;

        Dropped(ProcessGroup group, Consumer<ProcessGroup> onDropped) {
            this.group = group;
            this.onDropped = onDropped;
        }

        @Override
        public void run() {
            try {
                if (Privileged.POSSIBLE) {
                    Privileged.run(() -> {
                        onDropped.accept(group);
                        return null;
                    });
                } else {
                    onDropped.accept(group);
                }
            } catch (Throwable t) {
                Log.warn("cleaning up dropped " + group + " failed: " + t);
            }
        }
    }
}
