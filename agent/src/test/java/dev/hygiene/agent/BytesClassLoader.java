package dev.hygiene.agent;

import java.util.Map;

/**
 * A fresh class loader that defines the given classes (internal name to class file) itself, and
 * finds everything else in the platform loader: the classes it defines are verified as any
 * application class is.
 */
final class BytesClassLoader extends ClassLoader {

    private final Map<String, byte[]> classes;

    BytesClassLoader(Map<String, byte[]> classes) {
        super("redirect-test", ClassLoader.getPlatformClassLoader());
        this.classes = Map.copyOf(classes);
    }

    /** Loads, links (so verifies) and initialises the class NAME (internal form). */
    Class<?> init(String name) throws ClassNotFoundException {
        return Class.forName(name.replace('/', '.'), true, this);
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        byte[] b = classes.get(name.replace('.', '/'));
        if (b == null) throw new ClassNotFoundException(name);
        return defineClass(name, b, 0, b.length);
    }
}
