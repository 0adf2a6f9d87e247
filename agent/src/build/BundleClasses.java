import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Build step of the agent (exec-maven-plugin, prepare-package): writes the classes that the agent's
 * own class loader defines (Agent.Own) into two resources, so that the first start reads one jar
 * entry instead of one per class (each costs ~0.16 ms there, in the interpreter: measured), and
 * only the bytes of the classes it needs (fresh memory costs the first start too).
 *
 * <p>{@code java BundleClasses.java FIRST LATER FIRST_LIST CLASSPATH}: every {@code
 * dev/hygiene/**.class} of the class path's directories and jars, but the entry point ({@code
 * dev.hygiene.agent.Agent} and its nested classes, which the application's loader loads from the
 * jar) and the command line ({@code dev.hygiene.agent.Cli}, the jar's Main-Class), in name order
 * (the output is the same for the same classes): those FIRST_LIST names (one binary name per line,
 * {@code #} comments) into FIRST, the others into LATER. A listed name that is not one of those
 * classes is an error. Format: "PHC1", then for each class its binary name (u16 length, ASCII),
 * its length (u32) and its bytes.
 */
public final class BundleClasses {

    public static void main(String[] args) throws IOException {
        Path first = Path.of(args[0]);
        Path later = Path.of(args[1]);
        Set<String> firstNames = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of(args[2]), StandardCharsets.UTF_8)) {
            String name = line.strip();
            if (!name.isEmpty() && !name.startsWith("#")) firstNames.add(name);
        }
        Map<String, byte[]> classes = new TreeMap<>();
        for (String entry : args[3].split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isDirectory(p)) {
                try (Stream<Path> files = Files.walk(p)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        String rel = p.relativize(f).toString().replace(java.io.File.separatorChar, '/');
                        if (Files.isRegularFile(f) && wanted(rel)) add(classes, rel, Files.readAllBytes(f));
                    }
                }
            } else if (Files.isRegularFile(p)) {
                try (ZipFile jar = new ZipFile(p.toFile())) {
                    for (Enumeration<? extends ZipEntry> e = jar.entries(); e.hasMoreElements(); ) {
                        ZipEntry z = e.nextElement();
                        if (!z.isDirectory() && wanted(z.getName())) add(classes, z.getName(), jar.getInputStream(z).readAllBytes());
                    }
                }
            }
        }
        if (classes.isEmpty()) throw new IOException("no dev/hygiene classes in " + args[3]);
        Set<String> unknown = new TreeSet<>(firstNames);
        unknown.removeAll(classes.keySet());
        if (!unknown.isEmpty()) throw new IOException(args[2] + " names classes the agent's loader does not define: " + unknown);
        Map<String, byte[]> firstClasses = new TreeMap<>();
        Map<String, byte[]> laterClasses = new TreeMap<>();
        for (Map.Entry<String, byte[]> c : classes.entrySet()) {
            (firstNames.contains(c.getKey()) ? firstClasses : laterClasses).put(c.getKey(), c.getValue());
        }
        write(first, firstClasses);
        write(later, laterClasses);
    }

    private static void write(Path out, Map<String, byte[]> classes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(bytes);
        data.writeBytes("PHC1");
        for (Map.Entry<String, byte[]> c : classes.entrySet()) {
            byte[] name = c.getKey().getBytes(StandardCharsets.US_ASCII);
            data.writeShort(name.length);
            data.write(name);
            data.writeInt(c.getValue().length);
            data.write(c.getValue());
        }
        data.flush();
        Files.createDirectories(out.getParent());
        Files.write(out, bytes.toByteArray());
        System.out.println("[bundle-classes] " + classes.size() + " classes, " + bytes.size() + " bytes: " + out);
    }

    private static boolean wanted(String path) {
        if (!path.startsWith("dev/hygiene/") || !path.endsWith(".class")) return false;
        String name = path.substring(path.lastIndexOf('/') + 1);
        boolean agent = path.startsWith("dev/hygiene/agent/");
        return !(agent && (name.equals("Agent.class") || name.startsWith("Agent$")
                || name.equals("Cli.class") || name.startsWith("Cli$")));
    }

    private static void add(Map<String, byte[]> classes, String path, byte[] bytes) throws IOException {
        String name = path.substring(0, path.length() - ".class".length()).replace('/', '.');
        if (classes.put(name, bytes) != null) throw new IOException(name + " is on the class path twice");
    }
}
