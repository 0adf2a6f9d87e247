package dev.hygiene.agent;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.ConstantDynamic;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntUnaryOperator;

import static dev.hygiene.agent.CallRedirect.INVOKESTATIC;
import static dev.hygiene.agent.CallRedirect.INVOKEVIRTUAL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CallRedirect on class files made for the purpose: by javac from the sources below, and by ASM
 * where javac cannot (a Dynamic constant, Module and Package entries, a full constant pool). Each
 * redirected class is checked against its original ({@link RedirectCheck}: only the call's 3 bytes
 * and the appended constants changed, and the call names the new method), then defined in a fresh
 * class loader, which verifies it, and run: the redirected call lands in {@code syn.Landing}, whose
 * results no original call gives, while everything else computes what it did before.
 */
class CallRedirectTest {

    /** The callee of every subject, and where the redirects send the calls. */
    static final Map<String, String> CALLEES = Map.of(
            "syn/Target.java", """
                    package syn;

                    public class Target {
                        public final int base;
                        public Target(int base) { this.base = base; }
                        public static int twice(int x) { return 2 * x; }
                        public static int twice(long x) { return (int) (2 * x); }
                        public int plus(int x) { return base + x; }
                        public static int \\uD801\\uDC00(int x) { return 2 * x; }
                    }
                    """,
            "syn/Landing.java", """
                    package syn;

                    public class Landing {
                        public static int twice(int x) { return 1_000_000 + x; }
                        public static int plus(Target t, int x) { return -(t.base + x); }
                    }
                    """);

    /** syn.Target.twice(int) and syn.Landing.twice(int), as the tests compute what the subjects return. */
    static final IntUnaryOperator TWICE = x -> 2 * x, LANDED = x -> 1_000_000 + x;

    static final Map<String, String> SUBJECTS = new HashMap<>(Map.of(
            "syn/Longs.java", """
                    package syn;

                    public class Longs {
                        public static int run(long a, double b, int x) {
                            long big = 1L << 40;
                            long l = big + a;
                            double d = b * 0.5;
                            float f = x * 0.25f;
                            int r = Target.twice(x);
                            return (int) (l - big) + (int) (d * 2) + (int) (f * 4) + r;
                        }
                    }
                    """,
            "syn/Exceptions.java", """
                    package syn;

                    public class Exceptions {
                        public static int run(int x) {
                            int r = 0;
                            try {
                                try {
                                    if (x < 0) throw new IllegalArgumentException("negative");
                                    r = Target.twice(x);
                                } finally {
                                    r += 100;
                                }
                            } catch (IllegalArgumentException e) {
                                r = -r - 1;
                            }
                            return r;
                        }
                    }
                    """,
            "syn/Twice.java", """
                    package syn;

                    public class Twice {
                        public static int run(int x) { return Target.twice(x) + Target.twice(x + 1); }
                    }
                    """,
            "syn/Absent.java", """
                    package syn;

                    public class Absent {
                        public static int run(int x) { return Target.twice((long) x); }
                        public static int other(int x) { return Target.twice(x); }
                    }
                    """,
            "syn/Overloads.java", """
                    package syn;

                    public class Overloads {
                        public static int run(int x) { return Target.twice(x) + Target.twice((long) x); }
                        public static int run(long x) { return Target.twice((int) x); }
                        public static int other(int x) { return Target.twice(x); }
                    }
                    """,
            "syn/Virtual.java", """
                    package syn;

                    public class Virtual {
                        public static int run(int x) {
                            Target t = new Target(7);
                            return t.plus(x) + Target.twice(x);
                        }
                    }
                    """,
            "syn/AllConstants.java", """
                    package syn;

                    import java.util.List;
                    import java.util.function.IntUnaryOperator;

                    public class AllConstants {
                        static final long FIVE = 5L;
                        @Deprecated static int counter;

                        public static int run(int x) {
                            long l = 123_456_789_012L;
                            double d = 3.25;
                            float f = 1.5f;
                            int big = 100_000;
                            String s = "\\u00e9 \\uD801\\uDC00 \\0 end";
                            Class<?> c = Target.class;
                            IntUnaryOperator ref = Target::twice;
                            List<Integer> list = List.of(x);
                            String concat = "x=" + x;
                            counter++;
                            int r = Target.twice(x);
                            return r + ref.applyAsInt(x) + (int) (l - 123_456_789_000L) + (int) (d * 4) + (int) (f * 2)
                                    + big / 100_000 + s.length() + c.getSimpleName().length() + list.size()
                                    + concat.length() + (int) FIVE;
                        }
                    }
                    """,
            "syn/Mixed.java", """
                    package syn;

                    import java.util.ArrayList;
                    import java.util.List;
                    import java.util.function.IntSupplier;

                    public class Mixed {
                        int field = 3;
                        static long total;

                        public static int run(int x) {
                            int a = 1, b = 2, c = 3, d = x + a + b + c - 6;
                            long l = 5_000_000_000L;
                            float f = 2.5f;
                            double g = 1e300;
                            Object o = "s";
                            byte small = 100;
                            short mid = 30_000;
                            int[] ints = new int[d + 2];
                            String[] strings = new String[2];
                            int[][] grid = new int[2][3];
                            Mixed m = new Mixed();
                            m.field += ints.length;
                            total += l;
                            List<Object> list = new ArrayList<>();
                            list.add(o);
                            IntSupplier s = () -> 1;
                            if (o instanceof String && o != null) strings[0] = (String) o;
                            if (list.isEmpty()) return -1;
                            int sum = 0;
                            for (int i = 0; i < grid.length; i++) sum += grid[i].length;
                            synchronized (m) {
                                sum += s.getAsInt();
                            }
                            sum += (int) (l / 1_000_000_000L) + (int) f + (g > 1 ? 1 : 0) + small / 100 + mid / 30_000
                                    + strings[0].length();
                            return sum + m.field + Target.twice(d);
                        }
                    }
                    """,
            "syn/Sub.java", """
                    package syn;

                    public class Sub extends Target {
                        public Sub() { super(1); }

                        public int run(int x) { return super.plus(x) + new Target(7).plus(x); }
                    }
                    """,
            "syn/Supplementary.java", """
                    package syn;

                    public class Supplementary {
                        public static int \\uD801\\uDC01(int x) { return Target.\\uD801\\uDC00(x); }
                    }
                    """));

    static {
        SUBJECTS.put("syn/Wide.java", wideSource());
        for (int k = 0; k < 4; k++) SUBJECTS.put("syn/Switches" + k + ".java", switchesSource(k));
    }

    /** More than 255 locals: wide iload/istore/lstore/dstore and a wide iinc before the call. */
    static String wideSource() {
        StringBuilder s = new StringBuilder("package syn;\n\npublic class Wide {\n    public static int run(int x) {\n");
        s.append("        int v0 = x;\n");
        for (int i = 1; i < 300; i++) s.append("        int v").append(i).append(" = v").append(i - 1).append(" + 1;\n");
        s.append("""
                        long w = v299;
                        double z = w * 2;
                        v299 += 1000;
                        int r = Target.twice(v299);
                        return r + (int) z - v0;
                    }
                }
                """);
        return s.toString();
    }

    static int wide(int x, IntUnaryOperator twice) {
        int v299 = x + 299;
        double z = v299 * 2;
        return twice.applyAsInt(v299 + 1000) + (int) z - x;
    }

    /**
     * A tableswitch and a lookupswitch before the call, preceded by K 3-byte iinc instructions:
     * their padding (0 to 3 bytes, to a multiple of 4 from the start of the code) differs for
     * each K from 0 to 3, since 3 and 4 are coprime.
     */
    static String switchesSource(int k) {
        return "package syn;\n\npublic class Switches" + k + " {\n    public static int run(int x) {\n"
                + "        x++;\n".repeat(k) + """
                        int r;
                        switch (x) {
                            case 1: r = 10; break;
                            case 2: r = 20; break;
                            case 3: r = 30; break;
                            case 4: r = 40; break;
                            default: r = 1;
                        }
                        switch (x * 1000) {
                            case -7: r += 9; break;
                            case 3000: r += 7; break;
                            case 50000: r += 8; break;
                            default: r += 2;
                        }
                        return r + Target.twice(x);
                    }
                }
                """;
    }

    static int switches(int x, int k, IntUnaryOperator twice) {
        int y = x + k;
        int r = switch (y) { case 1 -> 10; case 2 -> 20; case 3 -> 30; case 4 -> 40; default -> 1; };
        r += switch (y * 1000) { case -7 -> 9; case 3000 -> 7; case 50000 -> 8; default -> 2; };
        return r + twice.applyAsInt(y);
    }

    static int allConstants(int x, IntUnaryOperator twice) {
        return twice.applyAsInt(x) + 2 * x + 12 + 13 + 3 + 1 + "\u00e9 \uD801\uDC00 \0 end".length() + "Target".length() + 1
                + ("x=" + x).length() + 5;
    }

    static Map<String, byte[]> compiled;

    @BeforeAll
    static void compile(@TempDir Path dir) throws Exception {
        Map<String, String> all = new HashMap<>(CALLEES);
        all.putAll(SUBJECTS);
        compiled = JavaSources.compile(dir, all);
    }

    /** Redirects the call of syn.Target.twice(int) in run(IN_DESC) to syn.Landing.twice(int). */
    static CallRedirect twiceIn(String inDesc) {
        return new CallRedirect("run", inDesc, INVOKESTATIC, "syn/Target", "twice", "(I)I", "syn/Landing", "twice", "(I)I");
    }

    static final CallRedirect TWICE_IN_RUN = twiceIn("(I)I");

    @Test
    void longAndDoubleLocalsAndParameters() throws Exception {
        CallRedirect r = twiceIn("(JDI)I");
        byte[] after = redirected(r, "syn/Longs");
        Object[] args = {5L, 7.0, 21};
        Class<?>[] types = {long.class, double.class, int.class};
        assertEquals(5 + 7 + 21 + TWICE.applyAsInt(21), run(compiled, "syn/Longs", "run", types, args));
        assertEquals(5 + 7 + 21 + LANDED.applyAsInt(21), run(with("syn/Longs", after), "syn/Longs", "run", types, args));
    }

    @Test
    void wideInstructionsWithMoreThan255Locals() throws Exception {
        List<String> text = RedirectCheck.text(compiled.get("syn/Wide"));
        // Local 300 and up can only be reached through wide (JVMS 6.5.wide); IINC by 1000 too.
        for (String insn : List.of("IINC 300 1000", "ILOAD 300", "LSTORE 301", "DSTORE 303")) {
            assertTrue(text.contains("    " + insn), "javac made no " + insn);
        }
        byte[] after = redirected(TWICE_IN_RUN, "syn/Wide");
        for (int x : new int[] {0, 21, -400}) {
            assertEquals(wide(x, TWICE), runInt(compiled, "syn/Wide", x));
            assertEquals(wide(x, LANDED), runInt(with("syn/Wide", after), "syn/Wide", x));
        }
    }

    @Test
    void tableswitchAndLookupswitchWithEachPadding() throws Exception {
        for (int k = 0; k < 4; k++) {
            String name = "syn/Switches" + k;
            List<String> text = RedirectCheck.text(compiled.get(name));
            assertTrue(text.stream().anyMatch(l -> l.startsWith("    TABLESWITCH")), name + " has a tableswitch");
            assertTrue(text.stream().anyMatch(l -> l.startsWith("    LOOKUPSWITCH")), name + " has a lookupswitch");
            byte[] after = redirected(TWICE_IN_RUN, name);
            for (int x = -2; x <= 5; x++) {
                assertEquals(switches(x, k, TWICE), runInt(compiled, name, x), name + ".run(" + x + ")");
                assertEquals(switches(x, k, LANDED), runInt(with(name, after), name, x), name + ".run(" + x + ") redirected");
            }
        }
    }

    @Test
    void exceptionTablesAndFinallyKeepWorking() throws Exception {
        byte[] after = redirected(TWICE_IN_RUN, "syn/Exceptions");
        Map<String, byte[]> redirected = with("syn/Exceptions", after);
        assertEquals(TWICE.applyAsInt(21) + 100, runInt(compiled, "syn/Exceptions", 21));
        assertEquals(LANDED.applyAsInt(21) + 100, runInt(redirected, "syn/Exceptions", 21));
        assertEquals(-101, runInt(redirected, "syn/Exceptions", -3), "thrown in try, through finally, caught");
    }

    @Test
    void aCallThatAppearsTwiceIsRefusedAndNothingIsReturned() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> RedirectCheck.apply(TWICE_IN_RUN, compiled.get("syn/Twice")));
        assertEquals("run(I)I calls syn/Target.twice(I)I 2 times, expected once", e.getMessage());
    }

    @Test
    void anAbsentCallIsRefused() {
        // run(I)I calls twice(J)I only; other(I)I calls twice(I)I.
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> RedirectCheck.apply(TWICE_IN_RUN, compiled.get("syn/Absent")));
        assertEquals("run(I)I calls syn/Target.twice(I)I 0 times, expected once", e.getMessage());
        // A class without the method at all.
        e = assertThrows(IllegalStateException.class, () -> RedirectCheck.apply(TWICE_IN_RUN, compiled.get("syn/Landing")));
        assertEquals("run(I)I calls syn/Target.twice(I)I 0 times, expected once", e.getMessage());
    }

    @Test
    void otherDescriptorsAndOtherMethodsAreLeftAlone() throws Exception {
        byte[] after = redirected(TWICE_IN_RUN, "syn/Overloads");
        Map<String, byte[]> redirected = with("syn/Overloads", after);
        // run(I)I: its call of twice(I)I lands, its call of twice(J)I does not.
        assertEquals(LANDED.applyAsInt(21) + 42, runInt(redirected, "syn/Overloads", 21));
        // run(J)I and other(I)I call twice(I)I too, and still reach it.
        assertEquals(42, run(redirected, "syn/Overloads", "run", new Class<?>[] {long.class}, 21L));
        assertEquals(42, run(redirected, "syn/Overloads", "other", new Class<?>[] {int.class}, 21));
    }

    @Test
    void anInstanceCallBecomesAStaticCallTakingTheReceiver() throws Exception {
        CallRedirect plus = new CallRedirect("run", "(I)I", INVOKEVIRTUAL, "syn/Target", "plus", "(I)I",
                "syn/Landing", "plus", "(Lsyn/Target;I)I");
        byte[] after = redirected(plus, "syn/Virtual");
        assertEquals(7 + 21 + 42, runInt(compiled, "syn/Virtual", 21));
        assertEquals(-(7 + 21) + 42, runInt(with("syn/Virtual", after), "syn/Virtual", 21));
    }

    @Test
    void instructionsOfEveryLengthBeforeTheCall() throws Exception {
        // Loads and stores of each type with an index byte, bipush, sipush, ldc2_w, newarray,
        // anewarray, multianewarray, new, field access, invokeinterface, invokedynamic, instanceof,
        // checkcast, ifnull, branches, monitorenter/monitorexit with their exception table.
        List<String> text = RedirectCheck.text(compiled.get("syn/Mixed"));
        for (String insn : List.of("ILOAD 4", "LLOAD 5", "FLOAD 7", "DLOAD 8", "ALOAD 10", "BIPUSH 100", "SIPUSH 30000",
                "NEWARRAY T_INT", "ANEWARRAY java/lang/String", "MULTIANEWARRAY [[I 2", "INVOKEINTERFACE java/util/List.add (Ljava/lang/Object;)Z (itf)",
                "MONITORENTER", "IFNULL L", "CHECKCAST java/lang/String", "INSTANCEOF java/lang/String")) {
            assertTrue(text.stream().anyMatch(l -> l.startsWith("    " + insn)), "javac made no " + insn);
        }
        byte[] after = redirected(TWICE_IN_RUN, "syn/Mixed");
        assertEquals(21 + 23 + TWICE.applyAsInt(21), runInt(compiled, "syn/Mixed", 21));
        assertEquals(21 + 23 + LANDED.applyAsInt(21), runInt(with("syn/Mixed", after), "syn/Mixed", 21));

        // jsr, ret, jsr_w, goto_w (class files before version 50; javac makes none of them), and
        // ldc_w (a constant whose index does not fit a byte), in classes made by ASM.
        byte[] old = subroutines();
        byte[] oldAfter = RedirectCheck.apply(TWICE_IN_RUN, old);
        RedirectCheck.assertRedirected(TWICE_IN_RUN, old, oldAfter, 1);
        assertEquals(TWICE.applyAsInt(21), runInt(with("syn/Old", old), "syn/Old", 21));
        assertEquals(LANDED.applyAsInt(21), runInt(with("syn/Old", oldAfter), "syn/Old", 21));
        byte[] ldcW = crowded(300);
        assertTrue(RedirectCheck.text(ldcW).contains("    LDC 1000299"), "a constant at an index above 255");
        RedirectCheck.assertRedirected(TWICE_IN_RUN, ldcW, RedirectCheck.apply(TWICE_IN_RUN, ldcW), 1);
    }

    @Test
    void theOpcodeIsPartOfTheCall() throws Exception {
        // super.plus(x) (invokespecial) and t.plus(x) (invokevirtual) share one Methodref: only
        // the invokevirtual is redirected.
        CallRedirect plus = new CallRedirect("run", "(I)I", INVOKEVIRTUAL, "syn/Target", "plus", "(I)I",
                "syn/Landing", "plus", "(Lsyn/Target;I)I");
        byte[] after = redirected(plus, "syn/Sub");
        Object sub = new BytesClassLoader(with("syn/Sub", after)).init("syn/Sub").getConstructor().newInstance();
        assertEquals((1 + 21) - (7 + 21), sub.getClass().getMethod("run", int.class).invoke(sub, 21));
    }

    @Test
    void theClassLoaderVerifiesWhatItRuns() {
        // A redirect to a method whose descriptor does not fit the stack (a String where the
        // receiver is): the verifier refuses the class, so the tests above did pass through it.
        CallRedirect wrong = new CallRedirect("run", "(I)I", INVOKEVIRTUAL, "syn/Target", "plus", "(I)I",
                "syn/Landing", "plus", "(Ljava/lang/String;I)I");
        byte[] after = RedirectCheck.apply(wrong, compiled.get("syn/Virtual"));
        VerifyError e = assertThrows(VerifyError.class, () -> new BytesClassLoader(with("syn/Virtual", after)).init("syn/Virtual"));
        assertTrue(e.getMessage().contains("Bad type on operand stack"), e.getMessage());
    }

    @Test
    void constantsOfEveryKind() throws Exception {
        byte[] after = redirected(TWICE_IN_RUN, "syn/AllConstants");
        assertEquals(allConstants(21, TWICE), runInt(compiled, "syn/AllConstants", 21));
        // Target::twice is a MethodHandle constant on the very Methodref the call used: it still
        // calls Target.twice, as the Dynamic constant below does.
        assertEquals(allConstants(21, LANDED), runInt(with("syn/AllConstants", after), "syn/AllConstants", 21));

        byte[] dynamic = dynamicConstant();
        byte[] dynamicAfter = RedirectCheck.apply(TWICE_IN_RUN, dynamic);
        RedirectCheck.assertRedirected(TWICE_IN_RUN, dynamic, dynamicAfter, 1);
        assertEquals(42 + TWICE.applyAsInt(21), runInt(with("syn/Dyn", dynamic), "syn/Dyn", 21));
        assertEquals(42 + LANDED.applyAsInt(21), runInt(with("syn/Dyn", dynamicAfter), "syn/Dyn", 21));

        // Module and Package entries: the JVM accepts them in a module-info only (which has no
        // methods), so the class that also has the call is checked as bytes, not run.
        byte[] modules = moduleEntries();
        RedirectCheck.assertRedirected(TWICE_IN_RUN, modules, RedirectCheck.apply(TWICE_IN_RUN, modules), 1);

        Set<Integer> tags = new TreeSet<>();
        for (byte[] c : List.of(compiled.get("syn/AllConstants"), dynamic, modules)) tags.addAll(tags(c));
        assertEquals(new TreeSet<>(List.of(1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 16, 17, 18, 19, 20)), tags,
                "constant pool tags covered (JVMS 4.4)");
    }

    @Test
    void aModuleInfoIsReadThroughAndHasNoCall(@TempDir Path dir) throws Exception {
        Map<String, byte[]> m = JavaSources.compile(dir, Map.of(
                "module-info.java", "module m.one { exports p.one; requires java.logging; }",
                "p/one/A.java", "package p.one; public class A {}"));
        byte[] info = m.get("module-info");
        assertTrue(tags(info).containsAll(Set.of(19, 20)), "module-info has Module and Package entries");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> RedirectCheck.apply(TWICE_IN_RUN, info));
        assertEquals("run(I)I calls syn/Target.twice(I)I 0 times, expected once", e.getMessage());
    }

    @Test
    void namesOutsideTheBasicMultilingualPlane() throws Exception {
        // Modified UTF-8 (JVMS 4.4.7) writes U+10400 and U+10401 as two 3-byte surrogates.
        CallRedirect r = new CallRedirect("\uD801\uDC01", "(I)I", INVOKESTATIC, "syn/Target", "\uD801\uDC00", "(I)I",
                "syn/Landing", "twice", "(I)I");
        byte[] after = RedirectCheck.apply(r, compiled.get("syn/Supplementary"));
        RedirectCheck.assertRedirected(r, compiled.get("syn/Supplementary"), after, 1);
        Class<?>[] types = {int.class};
        assertEquals(42, run(compiled, "syn/Supplementary", "\uD801\uDC01", types, 21));
        assertEquals(LANDED.applyAsInt(21), run(with("syn/Supplementary", after), "syn/Supplementary", "\uD801\uDC01", types, 21));
    }

    @Test
    void aConstantPoolWithRoomForSixMoreEntriesAndOneWithout() throws Exception {
        int base = new ClassReader(crowded(0)).getItemCount();
        // The largest constant_pool_count is 65535; the redirect adds six entries.
        byte[] fits = crowded(65529 - base);
        assertEquals(65529, new ClassReader(fits).getItemCount());
        byte[] after = RedirectCheck.apply(TWICE_IN_RUN, fits);
        RedirectCheck.assertRedirected(TWICE_IN_RUN, fits, after, 1);
        assertEquals(65535, new ClassReader(after).getItemCount());
        assertEquals(LANDED.applyAsInt(21), runInt(with("syn/Crowded", after), "syn/Crowded", 21));

        byte[] full = crowded(65530 - base);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> RedirectCheck.apply(TWICE_IN_RUN, full));
        assertEquals("constant pool full", e.getMessage());
    }

    // --- Class files javac does not make ---

    /** syn.Dyn.run(x) = (a Dynamic constant: Target.twice(21)) + Target.twice(x). */
    static byte[] dynamicConstant() {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, "syn/Dyn", null, "java/lang/Object", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "run", "(I)I", null, null);
        mv.visitCode();
        Handle invoke = new Handle(Opcodes.H_INVOKESTATIC, "java/lang/invoke/ConstantBootstraps", "invoke",
                "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/Class;"
                        + "Ljava/lang/invoke/MethodHandle;[Ljava/lang/Object;)Ljava/lang/Object;", false);
        Handle twice = new Handle(Opcodes.H_INVOKESTATIC, "syn/Target", "twice", "(I)I", false);
        mv.visitLdcInsn(new ConstantDynamic("answer", "I", invoke, twice, 21));
        mv.visitVarInsn(Opcodes.ILOAD, 0);
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, "syn/Target", "twice", "(I)I", false);
        mv.visitInsn(Opcodes.IADD);
        mv.visitInsn(Opcodes.IRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    /** A class with Module and Package entries in its pool and a call of Target.twice in run(I)I. */
    static byte[] moduleEntries() {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, "syn/ModuleEntries", null, "java/lang/Object", null);
        cw.newModule("m.one");
        cw.newPackage("p/one");
        straightCall(cw);
        cw.visitEnd();
        return cw.toByteArray();
    }

    /**
     * syn.Crowded: run(x) = Target.twice(x), and FILL more Integer constants in its pool (the last
     * one loaded and dropped before the call).
     */
    static byte[] crowded(int fill) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, "syn/Crowded", null, "java/lang/Object", null);
        for (int i = 0; i < fill; i++) cw.newConst(1_000_000 + i);
        MethodVisitor mv = straightCallStart(cw);
        if (fill > 0) {
            mv.visitLdcInsn(1_000_000 + fill - 1);
            mv.visitInsn(Opcodes.POP);
        }
        straightCallEnd(mv);
        cw.visitEnd();
        return cw.toByteArray();
    }

    /**
     * syn.Old (class file version 49): run(x) calls a near subroutine (jsr), a far one (jsr_w),
     * jumps far (goto_w) to return Target.twice(x); far is over 32767 bytes of nop away.
     */
    static byte[] subroutines() {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V1_5, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, "syn/Old", null, "java/lang/Object", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "run", "(I)I", null, null);
        mv.visitCode();
        Label near = new Label(), farSub = new Label(), far = new Label();
        mv.visitJumpInsn(Opcodes.JSR, near);
        mv.visitJumpInsn(Opcodes.JSR, farSub);
        mv.visitJumpInsn(Opcodes.GOTO, far);
        mv.visitLabel(near);
        mv.visitVarInsn(Opcodes.ASTORE, 1);
        mv.visitVarInsn(Opcodes.RET, 1);
        for (int i = 0; i < 33_000; i++) mv.visitInsn(Opcodes.NOP);
        mv.visitLabel(farSub);
        mv.visitVarInsn(Opcodes.ASTORE, 1);
        mv.visitVarInsn(Opcodes.RET, 1);
        mv.visitLabel(far);
        straightCallEnd(mv);
        cw.visitEnd();
        return cw.toByteArray();
    }

    private static void straightCall(ClassWriter cw) {
        straightCallEnd(straightCallStart(cw));
    }

    private static MethodVisitor straightCallStart(ClassWriter cw) {
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "run", "(I)I", null, null);
        mv.visitCode();
        return mv;
    }

    /** Returns Target.twice(x). */
    private static void straightCallEnd(MethodVisitor mv) {
        mv.visitVarInsn(Opcodes.ILOAD, 0);
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, "syn/Target", "twice", "(I)I", false);
        mv.visitInsn(Opcodes.IRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    // --- Helpers ---

    /** Redirects R in the compiled class NAME, checks the result against the original, and returns it. */
    static byte[] redirected(CallRedirect r, String name) {
        byte[] before = compiled.get(name);
        byte[] after = RedirectCheck.apply(r, before);
        RedirectCheck.assertRedirected(r, before, after, 1);
        return after;
    }

    /** The compiled classes, with NAME replaced by BYTES. */
    static Map<String, byte[]> with(String name, byte[] bytes) {
        Map<String, byte[]> m = new HashMap<>(compiled);
        m.put(name, bytes);
        return m;
    }

    static int runInt(Map<String, byte[]> classes, String cls, int x) throws Exception {
        return run(classes, cls, "run", new Class<?>[] {int.class}, x);
    }

    /** Defines CLASSES in a fresh loader (which verifies CLS) and returns CLS.METHOD(ARGS). */
    static int run(Map<String, byte[]> classes, String cls, String method, Class<?>[] types, Object... args) throws Exception {
        Method m = new BytesClassLoader(classes).init(cls).getMethod(method, types);
        try {
            return (Integer) m.invoke(null, args);
        } catch (InvocationTargetException e) {
            throw new AssertionError(cls + "." + method + " threw", e.getCause());
        }
    }

    /** The constant pool tags in a class file. */
    static Set<Integer> tags(byte[] b) {
        ClassReader r = new ClassReader(b);
        Set<Integer> tags = new TreeSet<>();
        for (int i = 1; i < r.getItemCount(); i++) {
            int item = r.getItem(i);
            if (item != 0) tags.add(r.readByte(item - 1));   // 0: the second slot of a Long or Double
        }
        return tags;
    }

    @Test
    void theHelpersSeeAChangeOutsideTheCall() {
        // RedirectCheck itself: one byte changed elsewhere in a correctly redirected class fails it.
        byte[] before = compiled.get("syn/Overloads");
        byte[] after = RedirectCheck.apply(TWICE_IN_RUN, before);
        after[after.length - 1] ^= 1;
        assertThrows(AssertionError.class, () -> RedirectCheck.assertRedirected(TWICE_IN_RUN, before, after, 1));
        assertArrayEquals(before, compiled.get("syn/Overloads"));
    }
}
