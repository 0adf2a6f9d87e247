package dev.hygiene.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** The lines of one output stream of an app, read by a thread of their own while the app runs. */
public final class Lines {

    private final String name;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;
    private boolean eof;

    Lines(String name, InputStream in, Consumer<String> onLine) {
        this(name, () -> in, onLine, () -> {});
    }

    /**
     * Reads the stream OPEN gives (called in the reading thread, where it may block, as opening a
     * FIFO does until its writer opens it), then runs AT_END.
     */
    Lines(String name, Callable<InputStream> open, Consumer<String> onLine, Runnable atEnd) {
        this.name = name;
        this.reader = new Thread(() -> {
            try {
                read(open.call(), onLine);
            } catch (Exception e) {
                synchronized (this) {
                    eof = true;
                    notifyAll();
                }
            } finally {
                atEnd.run();
            }
        }, "read " + name);
        reader.setDaemon(true);
        reader.start();
    }

    private void read(InputStream in, Consumer<String> onLine) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                // A pty (script) ends lines with \r\n.
                if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
                onLine.accept(line);
                synchronized (this) {
                    lines.add(line);
                    notifyAll();
                }
            }
        } catch (IOException e) {
            // the stream was closed: end of input
        } finally {
            synchronized (this) {
                eof = true;
                notifyAll();
            }
        }
    }

    /** The lines read so far. */
    public synchronized List<String> all() {
        return new ArrayList<>(lines);
    }

    /** The first line matching WHICH, waiting for it until TIMEOUT; fails if none comes. */
    public String await(Predicate<String> which, String description, Duration timeout) {
        List<String> found = await(which, 1, description, timeout);
        return found.get(0);
    }

    /** The first COUNT lines matching WHICH, waiting for them until TIMEOUT; fails if fewer come. */
    public synchronized List<String> await(Predicate<String> which, int count, String description, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> found = new ArrayList<>();
            for (String l : lines) {
                if (which.test(l)) found.add(l);
                if (found.size() == count) return found;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || eof) {
                throw new AssertionError(name + ": expected " + count + " line(s) " + description + ", found "
                        + found.size() + (eof ? " before the end of the stream" : " within " + timeout.toMillis() + " ms")
                        + "; lines: " + lines);
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    /** Waits until the stream ended (true) or TIMEOUT passed (false). */
    public synchronized boolean awaitEnd(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!eof) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return false;
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    @Override
    public synchronized String toString() {
        return name + " " + lines;
    }
}
