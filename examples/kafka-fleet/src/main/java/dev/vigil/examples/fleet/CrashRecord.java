package dev.vigil.examples.fleet;

import dev.vigil.crash.CrashEvent;
import dev.vigil.crash.DumpFile;

/**
 * One crash event of one agent, as published to {@value FleetAgent#CRASH_TOPIC} (JSON, keyed by {@link #agent()})
 * once its dump is on disk, or once it is known that there is none.
 *
 * @param agent      the publishing process: {@code host/pid} unless named otherwise
 * @param host       the host name of the publishing process
 * @param pid        its process id
 * @param kind       the {@link CrashEvent.Kind} name, such as {@code UNCAUGHT_EXCEPTION}
 * @param source     where it was seen: {@code IN_PROCESS}, {@code POST_MORTEM} or {@code SUPERVISOR}
 * @param time       when it happened (ISO-8601)
 * @param thread     the thread it happened on, or null
 * @param message    what happened
 * @param dumpPath   the primary dump's path on the agent's host, or null when there is none
 * @param dumpFormat the dump's format name ({@code THREAD_DUMP}, ...), or null
 * @param dumpSize   the dump's size in bytes, or -1 when there is none
 * @param dumpError  why there is no dump, or null
 */
public record CrashRecord(String agent, String host, long pid, String kind, String source, String time,
                          String thread, String message, String dumpPath, String dumpFormat, long dumpSize,
                          String dumpError) {

    static CrashRecord of(Identity who, CrashEvent e, DumpFile dump) {
        return new CrashRecord(who.agent(), who.host(), who.pid(), e.kind().name(), e.source().name(),
                e.time().toString(), e.thread().orElse(null), e.message(), dump.path().toString(),
                dump.format().name(), dump.size(), null);
    }

    static CrashRecord withoutDump(Identity who, CrashEvent e, Throwable why) {
        return new CrashRecord(who.agent(), who.host(), who.pid(), e.kind().name(), e.source().name(),
                e.time().toString(), e.thread().orElse(null), e.message(), null, null, -1,
                why.getClass().getSimpleName() + ": " + why.getMessage());
    }
}
