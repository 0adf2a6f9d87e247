package dev.hygiene.it.apps;

import dev.hygiene.it.Proc;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import net.bytebuddy.implementation.FixedValue;
import net.bytebuddy.matcher.ElementMatchers;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeSet;

/**
 * An application with its own ASM, Byte Buddy and SLF4J (with slf4j-simple as the binding) on its
 * class path: the libraries an agent could clash with. It uses each (ASM reads a class, Byte Buddy
 * generates one, SLF4J logs on stderr in the application's own format), starts a child before and
 * after, and prints on stdout which classes it got, from where, and what each library did.
 *
 * <p>Every stdout line is the same with and without the agent, except the {@code ISOLATION} lines
 * (whether the child leads its own group), which tell the test the agent was at work.
 */
public final class LibrariesApp {

    /** The resources whose copies on the class path are counted: one each, the application's. */
    static final String[] RESOURCES = {
        "org/objectweb/asm/ClassReader.class",
        "net/bytebuddy/ByteBuddy.class",
        "org/slf4j/LoggerFactory.class",
        "org/slf4j/simple/SimpleLogger.class",
        "META-INF/services/org.slf4j.spi.SLF4JServiceProvider",
    };

    public static void main(String[] args) throws Exception {
        // slf4j-simple in the application's own format: "[INFO] LibrariesApp - message" on stderr.
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
        System.setProperty("org.slf4j.simpleLogger.levelInBrackets", "true");
        System.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");

        child("before");

        for (String r : RESOURCES) Report.line(resources(r));

        // ASM reads a class file: this one's methods.
        byte[] bytes;
        try (InputStream in = LibrariesApp.class.getResourceAsStream("LibrariesApp.class")) {
            bytes = in.readAllBytes();
        }
        TreeSet<String> methods = new TreeSet<>();
        new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                methods.add(name);
                return null;
            }
        }, ClassReader.SKIP_CODE);
        Report.line(lib(ClassReader.class));
        Report.line("ASM " + new ClassReader(bytes).getClassName() + " methods " + methods);

        // Byte Buddy generates a class.
        Class<?> generated = new ByteBuddy()
                .subclass(Object.class)
                .name("dev.hygiene.it.apps.LibrariesApp$Generated")
                .method(ElementMatchers.named("toString"))
                .intercept(FixedValue.value("made by Byte Buddy"))
                .make()
                .load(LibrariesApp.class.getClassLoader(), ClassLoadingStrategy.Default.WRAPPER)
                .getLoaded();
        Report.line(lib(ByteBuddy.class));
        Report.line("BYTEBUDDY " + generated.getName() + " says " + generated.getDeclaredConstructor().newInstance());

        // SLF4J, bound to slf4j-simple, logs in the application's format.
        Logger log = LoggerFactory.getLogger(LibrariesApp.class);
        Report.line(lib(LoggerFactory.class));
        Report.line(lib(LoggerFactory.getILoggerFactory().getClass()));
        Report.line(lib(log.getClass()));
        log.info("the application's own logger, after a child");

        child("after");
        log.info("the application's own logger, after another child");
        Report.line("DONE");
    }

    /** Starts a child that waits for a line, reports whether it leads its own group, and its outcome. */
    static void child(String when) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "read line; echo \"child got $line\"; echo child-err >&2; exit 3").start();
        Proc.Stat s = Proc.stat(p.pid());
        Report.line("ISOLATION " + when + " child leads its own group: " + (s != null && s.pgrp == p.pid()));
        try (OutputStream in = p.getOutputStream()) {
            in.write(("hello " + when + "\n").getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        Report.line("CHILD " + when + " exit " + p.waitFor() + " out '" + out + "' err '" + err + "'");
    }

    /** {@code LIB <class> <implementation version> <code source> <loader>}. */
    public static String lib(Class<?> c) throws Exception {
        Package p = c.getPackage();
        CodeSource cs = c.getProtectionDomain().getCodeSource();
        String from = cs == null || cs.getLocation() == null ? "none" : Path.of(cs.getLocation().toURI()).toString();
        ClassLoader l = c.getClassLoader();
        String loader = l == ClassLoader.getSystemClassLoader() ? "app" : l == null ? "boot" : l.getName() + "@" + l.getClass().getName();
        return "LIB " + c.getName() + " " + (p == null ? null : p.getImplementationVersion()) + " " + from + " " + loader;
    }

    /** {@code RESOURCE <name> <count> <url>...}: every copy of NAME the application's class loader sees. */
    public static String resources(String name) throws Exception {
        Enumeration<URL> e = ClassLoader.getSystemClassLoader().getResources(name);
        List<String> urls = new ArrayList<>();
        for (URL u : Collections.list(e)) urls.add(u.toString());
        return "RESOURCE " + name + " " + urls.size() + " " + String.join(" ", urls);
    }
}
