package dev.hygiene.agent;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Adds to ProcessBuilder, as it first loads, the handshake in which it defines the bridge in
 * java.lang itself and hands it to the agent, so that the agent neither opens java.lang to itself
 * ({@code Instrumentation.redefineModule}: 4 to 5 ms on JDK 17, in the method handles and lambdas
 * it spins) nor reaches into it by reflection (on JDK 18 and later, method handles too), nor defines
 * a class through a lookup (on JDK 25, 7 to 10 ms: the class-file API it loads). All measured in
 * a fresh JVM. ProcessBuilder's static initializer, at its end, calls a method added to it:
 * <pre>{@code
 * private static synthetic void processHygiene$bridge() {
 *     try {
 *         Function<Object, Object> agent = (Function<Object, Object>) Unsafe.getUnsafe().allocateInstance(
 *                 Class.forName("dev.hygiene.agent.Agent", true, ClassLoader.getSystemClassLoader()));
 *         byte[] bridge = (byte[]) agent.apply(MethodHandles.lookup()); // the bridge's class file
 *         try {
 *             Unsafe.getUnsafe().defineClass("java.lang.ProcessHygieneHook", bridge, 0, bridge.length, null, null);
 *         } catch (Throwable t) {
 *             agent.apply(t); // the agent defines it, with the lookup
 *         }
 *         agent.apply(new ProcessHygieneHook()); // the agent sets its hooks and keeps it
 *     } catch (Throwable t) {
 *     }
 * }
 * }</pre>
 * No reflective call (on JDK 18 and later each kind spins method handles): java.base calls
 * java.base, and the agent through a JDK interface (Agent, loaded already, has no state: made
 * without its constructor, it is complete). What it hands over reaches nobody but the agent: the lookup is
 * ProcessBuilder's own, which the application cannot have, and {@link Bridge#received} gives the
 * class file for nothing else and takes only the bridge, once. The agent keeps the lookup for what
 * else it needs in java.lang (core's GroupSignal).
 *
 * <p>Only at ProcessBuilder's first load, or a retransformation of what it made there (a class
 * loaded already cannot gain a method); only where the static initializer ends in its one
 * {@code return} and has no exception handler, as on JDK 17 and 25: the call goes in front of that
 * return, so nothing before it moves. Anything else is refused ({@link IllegalStateException}),
 * and the agent opens java.lang to itself instead ({@link Bridge#define}).
 */
final class LookupHandshake {

    static final String METHOD = "processHygiene$bridge";
    /** What ProcessBuilder hands over to: Agent, as Class.forName takes it. */
    static final String RECEIVER = "dev.hygiene.agent.Agent";

    private static final int ACC_STATIC = 0x0008, ACC_PRIVATE = 0x0002, ACC_SYNTHETIC = 0x1000;
    private static final int RETURN = 0xb1;
    private static final byte[] CLINIT = CallRedirect.modifiedUtf8("<clinit>"), VOID = CallRedirect.modifiedUtf8("()V");

    private final CallRedirect.Bytes out = new CallRedirect.Bytes();
    private final Map<String, Integer> made = new HashMap<>();
    /** The class's own Class constant (this_class). */
    private final int thisClass;
    private int next;

    /** While ProcessBuilder is rewritten: the constants appended to its pool of NEXT entries, each once. */
    private LookupHandshake(int next, int thisClass) {
        this.next = next;
        this.thisClass = thisClass;
    }

    private int utf8(String s) {
        return add("u" + s, CallRedirect.UTF8, s, 0, 0);
    }

    private int string(String s) {
        return add("s" + s, CallRedirect.STRING, null, utf8(s), -1);
    }

    private int classRef(String internalName) {
        return add("c" + internalName, CallRedirect.CLASS, null, utf8(internalName), -1);
    }

    private int methodref(boolean onInterface, int owner, String name, String desc) {
        int nat = add("n" + name + desc, CallRedirect.NAME_AND_TYPE, null, utf8(name), utf8(desc));
        return add("m" + owner + "." + name + desc,
                onInterface ? CallRedirect.INTERFACE_METHODREF : CallRedirect.METHODREF, null, owner, nat);
    }

    /** Appends the entry KEY (TAG, then UTF or the indexes A and B, -1 for none), unless made already. */
    private int add(String key, int tag, String utf, int a, int b) {
        Integer known = made.get(key);
        if (known != null) return known;
        out.u1(tag);
        if (utf != null) {
            out.utf(utf);
        } else {
            out.u2(a);
            if (b >= 0) out.u2(b);
        }
        int index = next++;
        made.put(key, index);
        return index;
    }

    private byte[] bytes() {
        return out.toByteArray();
    }

    /** ProcessBuilder (B, its call of ProcessImpl.start already redirected) with the handshake added. */
    static byte[] apply(byte[] b) {
        CallRedirect.Reader r = new CallRedirect.Reader(b).readPool();
        int methodsAt = r.methods();
        int methods = r.u2(methodsAt);
        int p = methodsAt + 2;
        int codeAttribute = -1;
        for (int i = 0; i < methods; i++) {
            int start = p;
            p = CallRedirect.skipMember(r, p);
            if (!CallRedirect.utf8Is(r, r.offsets, r.u2(start + 2), CLINIT)
                    || !CallRedirect.utf8Is(r, r.offsets, r.u2(start + 4), VOID)) continue;
            int a = start + 8;
            for (int k = 0, attrs = r.u2(start + 6); k < attrs; k++) {
                if (CallRedirect.utf8Is(r, r.offsets, r.u2(a), CallRedirect.CODE)) codeAttribute = a;
                a += 6 + (int) r.u4(a + 2);
            }
        }
        int methodsEnd = p;
        if (codeAttribute < 0) throw new IllegalStateException("no static initializer");
        int code = codeAttribute + 14, codeLength = (int) r.u4(codeAttribute + 10);
        if (r.u2(code + codeLength) != 0) throw new IllegalStateException("the static initializer has exception handlers");
        int returns = 0;
        for (int pc = 0; pc < codeLength; ) {
            int op = r.u1(code + pc);
            if (op >= 0xac && op <= RETURN || op == 0xbf) returns++; // the returns, athrow
            pc += CallRedirect.instructionLength(r, code, pc, op);
        }
        if (returns != 1 || r.u1(code + codeLength - 1) != RETURN) {
            throw new IllegalStateException("the static initializer does not end in its one return");
        }

        LookupHandshake c = new LookupHandshake(r.count, r.u2(r.poolEnd + 2));
        int handshake = c.methodref(false, c.thisClass, METHOD, "()V");
        byte[] method = handshakeMethod(c);
        byte[] constants = c.bytes();
        if (c.next > 0xffff) throw new IllegalStateException("constant pool full");

        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length + constants.length + method.length + 3);
        byte[] head = Arrays.copyOfRange(b, 0, r.poolEnd);
        head[8] = (byte) (c.next >> 8);
        head[9] = (byte) c.next;
        out.write(head, 0, head.length);
        out.write(constants, 0, constants.length);
        // Up to the static initializer's Code attribute's lengths, which grow by 3; its code up
        // to its return; the call; the rest of the methods, one more of them.
        byte[] middle = Arrays.copyOfRange(b, r.poolEnd, code + codeLength - 1);
        int countAt = methodsAt - r.poolEnd, attributeLengthAt = codeAttribute + 2 - r.poolEnd;
        int codeLengthAt = codeAttribute + 10 - r.poolEnd;
        put2(middle, countAt, methods + 1);
        put4(middle, attributeLengthAt, r.u4(codeAttribute + 2) + 3);
        put4(middle, codeLengthAt, codeLength + 3);
        out.write(middle, 0, middle.length);
        out.write(0xb8); // invokestatic
        out.write(handshake >> 8);
        out.write(handshake);
        out.write(b, code + codeLength - 1, methodsEnd - (code + codeLength - 1));
        out.write(method, 0, method.length);
        out.write(b, methodsEnd, b.length - methodsEnd);
        return out.toByteArray();
    }

    /** The added method, as in the class comment: its constants are appended to C. */
    private static byte[] handshakeMethod(LookupHandshake c) {
        int name = c.utf8(METHOD), desc = c.utf8("()V"), codeName = c.utf8("Code"), frames = c.utf8("StackMapTable");
        int receiver = c.string(RECEIVER);
        int systemLoader = c.methodref(false, c.classRef("java/lang/ClassLoader"), "getSystemClassLoader",
                "()Ljava/lang/ClassLoader;");
        int classClass = c.classRef("java/lang/Class");
        int forName = c.methodref(false, classClass, "forName",
                "(Ljava/lang/String;ZLjava/lang/ClassLoader;)Ljava/lang/Class;");
        int function = c.classRef("java/util/function/Function");
        int apply = c.methodref(true, function, "apply", "(Ljava/lang/Object;)Ljava/lang/Object;");
        int lookup = c.methodref(false, c.classRef("java/lang/invoke/MethodHandles"), "lookup",
                "()Ljava/lang/invoke/MethodHandles$Lookup;");
        int bytes = c.classRef("[B");
        int unsafeClass = c.classRef("jdk/internal/misc/Unsafe");
        int getUnsafe = c.methodref(false, unsafeClass, "getUnsafe", "()Ljdk/internal/misc/Unsafe;");
        int allocateInstance = c.methodref(false, unsafeClass, "allocateInstance", "(Ljava/lang/Class;)Ljava/lang/Object;");
        int bridgeName = c.string(Bridge.NAME.replace('/', '.'));
        int defineClass = c.methodref(false, unsafeClass, "defineClass",
                "(Ljava/lang/String;[BIILjava/lang/ClassLoader;Ljava/security/ProtectionDomain;)Ljava/lang/Class;");
        int bridge = c.classRef(Bridge.NAME);
        int bridgeInit = c.methodref(false, bridge, "<init>", "()V");
        int throwable = c.classRef("java/lang/Throwable");

        CallRedirect.Bytes k = new CallRedirect.Bytes();
        k.u1(0xb8).u2(getUnsafe);                 //  0 invokestatic Unsafe.getUnsafe
        k.u1(0x13).u2(receiver);                  //  3 ldc_w "dev.hygiene.agent.Agent"
        k.u1(0x04);                               //  6 iconst_1
        k.u1(0xb8).u2(systemLoader);              //  7 invokestatic ClassLoader.getSystemClassLoader
        k.u1(0xb8).u2(forName);                   // 10 invokestatic Class.forName
        k.u1(0xb6).u2(allocateInstance);          // 13 invokevirtual Unsafe.allocateInstance
        k.u1(0xc0).u2(function);                  // 16 checkcast Function
        k.u1(0x4b);                               // 19 astore_0 (agent)
        k.u1(0x2a);                               // 20 aload_0
        k.u1(0xb8).u2(lookup);                    // 21 invokestatic MethodHandles.lookup
        k.u1(0xb9).u2(apply).u1(2).u1(0);         // 24 invokeinterface Function.apply
        k.u1(0xc0).u2(bytes);                     // 29 checkcast byte[]
        k.u1(0x4c);                               // 32 astore_1 (the bridge's class file)
        int defineFrom = k.size();
        k.u1(0xb8).u2(getUnsafe);                 // 33 invokestatic Unsafe.getUnsafe
        k.u1(0x13).u2(bridgeName);                // 36 ldc_w "java.lang.ProcessHygieneHook"
        k.u1(0x2b);                               // 39 aload_1
        k.u1(0x03);                               // 40 iconst_0
        k.u1(0x2b);                               // 41 aload_1
        k.u1(0xbe);                               // 42 arraylength
        k.u1(0x01);                               // 43 aconst_null (the bootstrap loader)
        k.u1(0x01);                               // 44 aconst_null (no protection domain, as the JDK's own)
        k.u1(0xb6).u2(defineClass);               // 45 invokevirtual Unsafe.defineClass
        k.u1(0x57);                               // 48 pop
        int defineTo = k.size();
        k.u1(0xa7).u2(12);                        // 49 goto 61
        int defineFailed = k.size();
        k.u1(0x4d);                               // 52 astore_2 (why not)
        k.u1(0x2a);                               // 53 aload_0
        k.u1(0x2c);                               // 54 aload_2
        k.u1(0xb9).u2(apply).u1(2).u1(0);         // 55 invokeinterface Function.apply: the agent defines it
        k.u1(0x57);                               // 60 pop
        int defined = k.size();
        k.u1(0x2a);                               // 61 aload_0
        k.u1(0xbb).u2(bridge);                    // 62 new ProcessHygieneHook
        k.u1(0x59);                               // 65 dup
        k.u1(0xb7).u2(bridgeInit);                // 66 invokespecial ProcessHygieneHook.<init>
        k.u1(0xb9).u2(apply).u1(2).u1(0);         // 69 invokeinterface Function.apply
        k.u1(0x57);                               // 74 pop
        k.u1(RETURN);                             // 75 return
        int failed = k.size();
        k.u1(0x4b);                               // 76 astore_0: whatever it was, the JDK goes on as without the agent
        k.u1(RETURN);                             // 77 return
        byte[] body = k.toByteArray();
        if (defined - defineTo != 12) throw new IllegalStateException("handshake code miscounted");

        CallRedirect.Bytes handlers = new CallRedirect.Bytes();
        handlers.u2(2);
        handlers.u2(defineFrom).u2(defineTo).u2(defineFailed).u2(0); // Unsafe's define failed: the agent's
        handlers.u2(0).u2(failed).u2(failed).u2(0);                  // anything else: nothing more
        CallRedirect.Bytes map = new CallRedirect.Bytes();
        map.u2(3);
        map.u1(255).u2(defineFailed).u2(2).u1(7).u2(function).u1(7).u2(bytes).u2(1).u1(7).u2(throwable);
        map.u1(defined - defineFailed - 1);                          // same_frame: {agent, bytes}, []
        map.u1(255).u2(failed - defined - 1).u2(0).u2(1).u1(7).u2(throwable);
        byte[] handlerBytes = handlers.toByteArray(), mapBytes = map.toByteArray();

        CallRedirect.Bytes m = new CallRedirect.Bytes();
        m.u2(ACC_PRIVATE | ACC_STATIC | ACC_SYNTHETIC).u2(name).u2(desc).u2(1);
        m.u2(codeName).u4(2 + 2 + 4 + body.length + handlerBytes.length + 2 + 6 + mapBytes.length);
        m.u2(7).u2(3).u4(body.length).bytes(body);   // max_stack 7 (at Unsafe.defineClass), max_locals 3
        m.bytes(handlerBytes);
        m.u2(1);                                     // one attribute: its stack map
        m.u2(frames).u4(mapBytes.length).bytes(mapBytes);
        return m.toByteArray();
    }

    private static void put2(byte[] b, int at, int v) {
        b[at] = (byte) (v >> 8);
        b[at + 1] = (byte) v;
    }

    private static void put4(byte[] b, int at, long v) {
        put2(b, at, (int) (v >>> 16));
        put2(b, at + 2, (int) v);
    }
}
