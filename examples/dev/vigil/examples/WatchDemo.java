package dev.vigil.examples;

/** Placeholder demo. */
public final class WatchDemo {
    private WatchDemo() {
    }

    /** Entry point. */
    public static void main(String[] args) {
    }
}
