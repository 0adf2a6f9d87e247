package dev.hygiene.agent;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Redirects the calls of one method (or the reads of one static field) to a static method with
 * the same stack effect, inside one method of a class file: {@code invokevirtual A.m(X)Y} or
 * {@code invokestatic A.m(X)Y} becomes {@code invokestatic B.n(...)Y}, and {@code getstatic A.f:Y}
 * becomes {@code invokestatic B.n()Y}. The instruction keeps its length (opcode and a constant pool
 * index), so no offset, stack map frame or exception range moves; the new method reference is
 * appended to the constant pool. Nothing else in the class changes, so the result is also a valid
 * retransformation (no member added or removed).
 *
 * <p>A few dozen lines instead of a bytecode library: nothing to load, verify or relocate, in an
 * agent that every JVM of a container may carry. See the JVM specification, chapter 4 (class
 * file format) and 6 (instruction lengths).
 */
final class CallRedirect {

    static final int INVOKEVIRTUAL = 0xb6;
    static final int INVOKESTATIC = 0xb8;
    static final int GETSTATIC = 0xb2;

    static final int UTF8 = 1, CLASS = 7, STRING = 8, FIELDREF = 9, METHODREF = 10, INTERFACE_METHODREF = 11, NAME_AND_TYPE = 12;
    static final byte[] CODE = modifiedUtf8("Code");

    /** The call to find. */
    final String inMethod, inDesc;
    final int opcode;
    final String owner, name, desc;
    /** The static method to call instead. */
    final String newOwner, newName, newDesc;
    /** The names to find as the class file holds them: modified UTF-8 (JVMS 4.4.7). */
    private final byte[] inMethodUtf, inDescUtf, ownerUtf, nameUtf, descUtf;

    CallRedirect(String inMethod, String inDesc, int opcode, String owner, String name, String desc,
                 String newOwner, String newName, String newDesc) {
        this.inMethod = inMethod;
        this.inDesc = inDesc;
        this.opcode = opcode;
        this.owner = owner;
        this.name = name;
        this.desc = desc;
        this.newOwner = newOwner;
        this.newName = newName;
        this.newDesc = newDesc;
        this.inMethodUtf = modifiedUtf8(inMethod);
        this.inDescUtf = modifiedUtf8(inDesc);
        this.ownerUtf = modifiedUtf8(owner);
        this.nameUtf = modifiedUtf8(name);
        this.descUtf = modifiedUtf8(desc);
    }

    /**
     * Returns a copy of the class with the matching call in the method redirected (B itself is not
     * changed).
     *
     * @throws IllegalStateException if the method does not contain exactly one such call (none, or
     *         more than one), or the constant pool has no room for six more entries
     */
    byte[] apply(byte[] b) {
        Reader r = new Reader(b).readPool();
        int count = r.count, poolEnd = r.poolEnd;
        int[] offsets = r.offsets, tags = r.tags;

        // The constant pool entries of the call to find.
        boolean[] target = new boolean[count];
        int refTag = opcode == GETSTATIC ? FIELDREF : METHODREF;
        for (int i = 1; i < count; i++) {
            if (tags[i] != refTag) continue;
            int o = offsets[i];
            int cls = r.u2(o + 1), nat = r.u2(o + 3);
            target[i] = utf8Is(r, offsets, r.u2(offsets[cls] + 1), ownerUtf)
                    && utf8Is(r, offsets, r.u2(offsets[nat] + 1), nameUtf)
                    && utf8Is(r, offsets, r.u2(offsets[nat] + 3), descUtf);
        }

        int p = r.methods();
        int methods = r.u2(p);
        p += 2;
        byte[] out = b.clone();
        int newIndex = count + 5;                 // the Methodref appended below
        int found = 0;
        for (int i = 0; i < methods; i++) {
            int start = p;
            boolean match = utf8Is(r, offsets, r.u2(p + 2), inMethodUtf) && utf8Is(r, offsets, r.u2(p + 4), inDescUtf);
            p = skipMember(r, p);
            if (!match) continue;
            int a = start + 8;
            for (int k = 0, attrs = r.u2(start + 6); k < attrs; k++) {
                int len = (int) r.u4(a + 2);
                if (utf8Is(r, offsets, r.u2(a), CODE)) {
                    int codeLength = (int) r.u4(a + 10);
                    found += redirect(r, out, a + 14, codeLength, target, newIndex);
                }
                a += 6 + len;
            }
        }
        if (found != 1) {
            throw new IllegalStateException(inMethod + inDesc + " calls " + owner + "." + name + desc + " "
                    + found + " times, expected once");
        }
        return withPool(out, poolEnd, count);
    }

    /** Rewrites matching calls in CODE (at OFFSET, LENGTH bytes); returns how many. */
    private int redirect(Reader r, byte[] out, int offset, int length, boolean[] target, int newIndex) {
        int n = 0;
        for (int pc = 0; pc < length; ) {
            int op = r.u1(offset + pc);
            if (op == opcode) {
                int index = r.u2(offset + pc + 1);
                if (index < target.length && target[index]) {
                    out[offset + pc] = (byte) INVOKESTATIC;
                    out[offset + pc + 1] = (byte) (newIndex >> 8);
                    out[offset + pc + 2] = (byte) newIndex;
                    n++;
                }
            }
            pc += instructionLength(r, offset, pc, op);
        }
        return n;
    }

    /** The class with six entries appended to its constant pool: the new method reference. */
    private byte[] withPool(byte[] b, int poolEnd, int count) {
        int ownerUtf = count, cls = count + 1, nameUtf = count + 2, descUtf = count + 3, nat = count + 4;
        Bytes extra = new Bytes();
        extra.u1(UTF8).utf(newOwner);
        extra.u1(CLASS).u2(ownerUtf);
        extra.u1(UTF8).utf(newName);
        extra.u1(UTF8).utf(newDesc);
        extra.u1(NAME_AND_TYPE).u2(nameUtf).u2(descUtf);
        extra.u1(METHODREF).u2(cls).u2(nat);
        int newCount = count + 6;
        if (newCount > 0xffff) throw new IllegalStateException("constant pool full");
        byte[] add = extra.toByteArray();
        byte[] out = new byte[b.length + add.length];
        System.arraycopy(b, 0, out, 0, poolEnd);
        out[8] = (byte) (newCount >> 8);
        out[9] = (byte) newCount;
        System.arraycopy(add, 0, out, poolEnd, add.length);
        System.arraycopy(b, poolEnd, out, poolEnd + add.length, b.length - poolEnd);
        return out;
    }

    private static int entrySize(Reader r, int p, int tag) {
        switch (tag) {
            case UTF8: return 3 + r.u2(p + 1);
            case 3: case 4: return 5;             // Integer, Float
            case 5: case 6: return 9;             // Long, Double
            case CLASS: case 8: case 16: case 19: case 20: return 3; // Class, String, MethodType, Module, Package
            case 15: return 4;                    // MethodHandle
            case 9: case METHODREF: case 11: case NAME_AND_TYPE: case 17: case 18: return 5;
            default: throw new IllegalStateException("unknown constant pool tag " + tag);
        }
    }

    static int skipMember(Reader r, int p) {
        int attrs = r.u2(p + 6);
        p += 8;
        for (int i = 0; i < attrs; i++) p += 6 + (int) r.u4(p + 2);
        return p;
    }

    /**
     * Whether constant INDEX is a Utf8 entry holding exactly WANTED. Compared as bytes: modified
     * UTF-8 differs from UTF-8 for NUL and for characters outside the Basic Multilingual Plane.
     */
    static boolean utf8Is(Reader r, int[] offsets, int index, byte[] wanted) {
        int o = offsets[index];
        if (r.u1(o) != UTF8) throw new IllegalStateException("constant " + index + " is not a Utf8");
        int length = r.u2(o + 1);
        return length == wanted.length && Arrays.equals(r.b, o + 3, o + 3 + length, wanted, 0, length);
    }

    /**
     * S in modified UTF-8 (JVMS 4.4.7), without the length. By hand: DataOutputStream, on JDK 25,
     * spins var handles for its writes (a dozen classes at the first start).
     */
    static byte[] modifiedUtf8(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != 0 && c < 0x80) {
                out.write(c);
            } else if (c < 0x800) {
                out.write(0xc0 | c >> 6);
                out.write(0x80 | c & 0x3f);
            } else {
                out.write(0xe0 | c >> 12);
                out.write(0x80 | c >> 6 & 0x3f);
                out.write(0x80 | c & 0x3f);
            }
        }
        if (out.size() > 0xffff) throw new IllegalArgumentException("longer than a class file name can be: " + s);
        return out.toByteArray();
    }

    /** The length of the instruction at PC (JVMS 6.5), with the switch padding counted from CODE. */
    static int instructionLength(Reader r, int code, int pc, int op) {
        if (op == 0xaa) {                         // tableswitch
            int p = pc + 1 + ((4 - (pc + 1) % 4) % 4);
            int low = (int) r.u4(code + p + 4), high = (int) r.u4(code + p + 8);
            return p - pc + 12 + 4 * (high - low + 1);
        }
        if (op == 0xab) {                         // lookupswitch
            int p = pc + 1 + ((4 - (pc + 1) % 4) % 4);
            int pairs = (int) r.u4(code + p + 4);
            return p - pc + 8 + 8 * pairs;
        }
        if (op == 0xc4) {                         // wide
            return r.u1(code + pc + 1) == 0x84 ? 6 : 4;
        }
        int len = LENGTHS[op];
        if (len == 0) throw new IllegalStateException("unknown opcode " + op);
        return len;
    }

    private static final byte[] LENGTHS = new byte[256];

    static {
        for (int op = 0; op <= 0xc9; op++) LENGTHS[op] = 1;
        set(2, 0x10, 0x12, 0x15, 0x16, 0x17, 0x18, 0x19, 0x36, 0x37, 0x38, 0x39, 0x3a, 0xa9, 0xbc);
        set(3, 0x11, 0x13, 0x14, 0x84, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xbb, 0xbd, 0xc0, 0xc1, 0xc6, 0xc7);
        for (int op = 0x99; op <= 0xa8; op++) LENGTHS[op] = 3; // if*, goto, jsr
        set(4, 0xc5);
        set(5, 0xb9, 0xba, 0xc8, 0xc9);
    }

    private static void set(int length, int... ops) {
        for (int op : ops) LENGTHS[op] = (byte) length;
    }

    /** Class file bytes, written big-endian. */
    static final class Bytes extends ByteArrayOutputStream {
        Bytes u1(int v) {
            write(v);
            return this;
        }

        Bytes u2(int v) {
            write(v >> 8);
            write(v);
            return this;
        }

        Bytes u4(int v) {
            return u2(v >>> 16).u2(v);
        }

        Bytes bytes(byte[] b) {
            write(b, 0, b.length);
            return this;
        }

        /** S as a Utf8 constant's content: its length, then its modified UTF-8. */
        Bytes utf(String s) {
            byte[] m = modifiedUtf8(s);
            return u2(m.length).bytes(m);
        }
    }

    /** Big-endian reads; of a class file, with {@link #readPool}, where its constant pool's entries are. */
    static final class Reader {
        final byte[] b;
        /** The pool's count (one more than its last index), and where it ends: see {@link #readPool}. */
        int count, poolEnd;
        /** Each entry's offset and tag, by index (0 for the second slot of a long or double). */
        int[] offsets, tags;

        Reader(byte[] b) {
            this.b = b;
        }

        /** Reads where the constant pool's entries are (JVMS 4.4): this, a class file. */
        Reader readPool() {
            if (u4(0) != 0xCAFEBABEL) throw new IllegalStateException("not a class file");
            count = u2(8);
            offsets = new int[count];
            tags = new int[count];
            int p = 10;
            for (int i = 1; i < count; i++) {
                int tag = u1(p);
                offsets[i] = p;
                tags[i] = tag;
                p += entrySize(this, p, tag);
                if (tag == 5 || tag == 6) i++; // long and double take two slots
            }
            poolEnd = p;
            return this;
        }

        /** Where methods_count is: past the access flags, the classes, the interfaces and the fields. */
        int methods() {
            int p = poolEnd + 6;
            p += 2 + 2 * u2(p);                   // interfaces
            int fields = u2(p);
            p += 2;
            for (int i = 0; i < fields; i++) p = skipMember(this, p);
            return p;
        }

        int u1(int p) {
            return b[p] & 0xff;
        }

        int u2(int p) {
            return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
        }

        long u4(int p) {
            return ((long) u2(p) << 16) | u2(p + 2);
        }
    }
}
