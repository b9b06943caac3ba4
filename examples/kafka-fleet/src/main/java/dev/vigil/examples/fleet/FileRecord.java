package dev.vigil.examples.fleet;

import dev.vigil.watch.FileEvent;

/**
 * One file event of one agent, as published to {@value FleetAgent#FILE_TOPIC} (JSON, keyed by {@link #agent()}).
 *
 * @param agent     the publishing process: {@code host/pid} unless named otherwise
 * @param host      the host name of the publishing process
 * @param pid       its process id
 * @param kind      {@code CREATED}, {@code MODIFIED}, {@code DELETED}, {@code RENAMED} or {@code OVERFLOW}
 * @param path      the absolute path (for {@code OVERFLOW}, the scope whose events may have been lost)
 * @param previous  the path before a rename, else null
 * @param directory whether the path is a directory
 * @param root      the watched root the path is under
 * @param time      when the watcher saw the change (ISO-8601)
 */
public record FileRecord(String agent, String host, long pid, String kind, String path, String previous,
                         boolean directory, String root, String time) {

    static FileRecord of(Identity who, FileEvent e) {
        return new FileRecord(who.agent(), who.host(), who.pid(), e.kind().name(), e.path().toString(),
                e.previous().map(Object::toString).orElse(null), e.isDirectory(), e.root().toString(),
                e.time().toString());
    }
}
