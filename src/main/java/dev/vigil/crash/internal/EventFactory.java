package dev.vigil.crash.internal;

import dev.vigil.crash.CrashEvent;

/** How internal sources build public events: handed in by the public package, which owns the constructor. */
@FunctionalInterface
public interface EventFactory {
    /** A new event over {@code data} whose dumps come from {@code dumps}. */
    CrashEvent create(EventData data, DumpSource dumps);
}
