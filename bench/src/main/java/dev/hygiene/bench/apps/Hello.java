package dev.hygiene.bench.apps;

/** Hello world: the start-up figure. */
public final class Hello {

    private Hello() {}

    public static void main(String[] args) {
        System.out.println("hello, world");
    }
}
