package dev.hygiene.core;

/**
 * The thread that registers the agent's MBean ({@link Monitoring#register}), started at set-up:
 * the MBean's classes, and the JMX classes they name, load on that thread, not on the first start's.
 */
final class MBeanRegistration implements Runnable {

    private final ProcessHygiene hygiene;
    private final boolean now;

    private MBeanRegistration(ProcessHygiene hygiene, boolean now) {
        this.hygiene = hygiene;
        this.now = now;
    }

    /** Starts the thread: it registers at once with NOW, else once a platform MBean server exists. */
    static void start(ProcessHygiene hygiene, boolean now) {
        Thread t = new Thread(new MBeanRegistration(hygiene, now), "process-hygiene-jmx");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void run() {
        Monitoring.register(hygiene, now);
    }
}
