package dev.vigil.examples.fleet;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * Who publishes: the record key ({@code agent}) and the host and pid it stands for.
 *
 * @param agent the key of every record of this process; {@code host/pid} by default
 * @param host  the host name
 * @param pid   the process id
 */
public record Identity(String agent, String host, long pid) {

    /** Checks that no component is null. */
    public Identity {
        Objects.requireNonNull(agent, "agent");
        Objects.requireNonNull(host, "host");
    }

    /** This process, named {@code host/pid}, or {@code name} when it is not null. */
    public static Identity current(String name) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = Objects.requireNonNullElse(System.getenv("HOSTNAME"), "localhost");
        }
        long pid = ProcessHandle.current().pid();
        return new Identity(name != null ? name : host + "/" + pid, host, pid);
    }
}
