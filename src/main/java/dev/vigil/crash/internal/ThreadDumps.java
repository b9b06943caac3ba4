package dev.vigil.crash.internal;

import java.lang.management.LockInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.MonitorInfo;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Thread dumps in {@code jstack -l} format: HotSpot's own {@code Thread.print -l} through the DiagnosticCommand MBean,
 * or, where that MBean is missing, the same layout rebuilt from {@link ThreadMXBean}.
 */
public final class ThreadDumps {
    private static final String DIAGNOSTIC_COMMAND = "com.sun.management:type=DiagnosticCommand";

    private ThreadDumps() {
    }

    /** The thread dump of this JVM, with locks and the deadlock section. */
    public static String jstack() {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            ObjectName name = new ObjectName(DIAGNOSTIC_COMMAND);
            if (server.isRegistered(name)) {
                Object text = server.invoke(name, "threadPrint", new Object[] {new String[] {"-l"}},
                        new String[] {String[].class.getName()});
                return (String) text;
            }
        } catch (JMException | RuntimeException unavailable) {
            String dump = fromThreadMXBean();
            return dump + "\n(DiagnosticCommand threadPrint failed, dump rebuilt from ThreadMXBean: " + unavailable
                    + ")\n";
        }
        return fromThreadMXBean();
    }

    /** The {@code jstack -l} layout rebuilt from {@link ThreadMXBean} (platform threads only). */
    public static String fromThreadMXBean() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        ThreadInfo[] infos = mx.dumpAllThreads(mx.isObjectMonitorUsageSupported(), mx.isSynchronizerUsageSupported());
        StringBuilder sb = new StringBuilder(256 * infos.length + 256);
        sb.append(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"))).append('\n');
        sb.append("Full thread dump ").append(System.getProperty("java.vm.name")).append(" (")
                .append(System.getProperty("java.vm.version")).append("):\n\n");
        for (ThreadInfo ti : infos) {
            appendThread(sb, ti);
        }
        long[] deadlocked = mx.isSynchronizerUsageSupported() ? mx.findDeadlockedThreads()
                : mx.findMonitorDeadlockedThreads();
        if (deadlocked != null) {
            appendDeadlocks(sb, mx.getThreadInfo(deadlocked, true, true));
        }
        return sb.toString();
    }

    private static void appendThread(StringBuilder sb, ThreadInfo ti) {
        sb.append('"').append(ti.getThreadName()).append("\" #").append(ti.getThreadId());
        if (ti.isDaemon()) {
            sb.append(" daemon");
        }
        sb.append(" prio=").append(ti.getPriority()).append('\n');
        sb.append("   java.lang.Thread.State: ").append(ti.getThreadState());
        if (ti.getLockName() != null) {
            sb.append(" (on ").append(ti.getLockName()).append(')');
        }
        sb.append('\n');
        StackTraceElement[] stack = ti.getStackTrace();
        MonitorInfo[] monitors = ti.getLockedMonitors();
        for (int i = 0; i < stack.length; i++) {
            sb.append("\tat ").append(stack[i]).append('\n');
            if (i == 0 && ti.getLockInfo() != null) {
                String verb = switch (ti.getThreadState()) {
                    case BLOCKED -> "waiting to lock";
                    case WAITING, TIMED_WAITING -> "parking to wait for";
                    default -> "waiting on";
                };
                sb.append("\t- ").append(verb).append(" <").append(hex(ti.getLockInfo())).append("> (a ")
                        .append(ti.getLockInfo().getClassName()).append(")\n");
            }
            for (MonitorInfo mi : monitors) {
                if (mi.getLockedStackDepth() == i) {
                    sb.append("\t- locked <").append(hex(mi)).append("> (a ").append(mi.getClassName()).append(")\n");
                }
            }
        }
        sb.append("\n   Locked ownable synchronizers:\n");
        LockInfo[] syncs = ti.getLockedSynchronizers();
        if (syncs.length == 0) {
            sb.append("\t- None\n");
        }
        for (LockInfo li : syncs) {
            sb.append("\t- <").append(hex(li)).append("> (a ").append(li.getClassName()).append(")\n");
        }
        sb.append('\n');
    }

    private static void appendDeadlocks(StringBuilder sb, ThreadInfo[] infos) {
        sb.append("\nFound one Java-level deadlock:\n=============================\n");
        for (ThreadInfo ti : infos) {
            if (ti == null) {
                continue;
            }
            sb.append('"').append(ti.getThreadName()).append("\":\n  waiting to lock ")
                    .append(ti.getLockName()).append(",\n  which is held by \"").append(ti.getLockOwnerName())
                    .append("\"\n");
        }
        sb.append("\nFound 1 deadlock.\n");
    }

    private static String hex(LockInfo li) {
        return String.format("0x%016x", li.getIdentityHashCode());
    }
}
