package dev.hygiene.it;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition by polling it until a deadline: the only way tests synchronise. */
public final class Poll {

    private static final long INTERVAL_MS = 10;

    private Poll() {}

    /** True as soon as CONDITION holds, false if it still does not hold after TIMEOUT. */
    public static boolean until(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) return true;
            if (System.nanoTime() - deadline >= 0) return false;
            try {
                Thread.sleep(INTERVAL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return condition.getAsBoolean();
            }
        }
    }

    /** Like {@link #until}, but fails with WHAT (evaluated at the deadline) if the condition never held. */
    public static void assertWithin(Duration timeout, BooleanSupplier condition, Supplier<String> what) {
        if (!until(timeout, condition)) {
            throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what.get());
        }
    }

    /**
     * Sleeps until System.nanoTime() reaches DEADLINE. For measurements only ("still alive 500 ms
     * later"), never to wait for something to happen.
     */
    public static void sleepUntil(long deadlineNanos) {
        long left;
        while ((left = deadlineNanos - System.nanoTime()) > 0) {
            try {
                Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
