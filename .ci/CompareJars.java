import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Compares two jars byte for byte; where they differ, says which entries differ and how (content,
 * time, compression, extra field, comment, missing on one side, order) and exits 1.
 *   java .ci/CompareJars.java A.jar B.jar
 */
public class CompareJars {

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: java .ci/CompareJars.java A.jar B.jar");
            System.exit(2);
        }
        Path a = Path.of(args[0]), b = Path.of(args[1]);
        if (Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(b))) {
            System.out.println("reproducible: " + a + " and " + b + " are identical (" + Files.size(a) + " bytes)");
            return;
        }
        Map<String, Entry> ea = entries(a), eb = entries(b);
        List<String> diffs = new ArrayList<>();
        for (Map.Entry<String, Entry> e : ea.entrySet()) {
            Entry other = eb.get(e.getKey());
            if (other == null) diffs.add(e.getKey() + ": only in " + a);
            else diffs.addAll(e.getValue().differences(e.getKey(), other));
        }
        for (String name : eb.keySet()) if (!ea.containsKey(name)) diffs.add(name + ": only in " + b);
        if (diffs.isEmpty() && !new ArrayList<>(ea.keySet()).equals(new ArrayList<>(eb.keySet()))) {
            diffs.add("the entries are in another order");
        }
        if (diffs.isEmpty()) diffs.add("the entries are the same; the zip structure around them differs");
        System.err.println("NOT reproducible: " + a + " and " + b + " differ:");
        for (String d : diffs) System.err.println("  " + d);
        System.exit(1);
    }

    record Entry(byte[] content, long time, int method, byte[] extra, String comment) {
        List<String> differences(String name, Entry o) {
            List<String> d = new ArrayList<>();
            if (!Arrays.equals(content, o.content)) d.add(name + ": content differs (" + content.length + " and " + o.content.length + " bytes)");
            if (time != o.time) d.add(name + ": time differs (" + Instant.ofEpochMilli(time) + " and " + Instant.ofEpochMilli(o.time) + ")");
            if (method != o.method) d.add(name + ": compression method differs (" + method + " and " + o.method + ")");
            if (!Arrays.equals(extra, o.extra)) d.add(name + ": extra field differs");
            if (!String.valueOf(comment).equals(String.valueOf(o.comment))) d.add(name + ": comment differs");
            return d;
        }
    }

    static Map<String, Entry> entries(Path jar) throws IOException {
        Map<String, Entry> m = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(jar.toFile())) {
            for (ZipEntry e : Collections.list(z.entries())) {
                try (InputStream in = z.getInputStream(e)) {
                    m.put(e.getName(), new Entry(in.readAllBytes(), e.getTime(), e.getMethod(), e.getExtra(), e.getComment()));
                }
            }
        }
        return m;
    }
}
