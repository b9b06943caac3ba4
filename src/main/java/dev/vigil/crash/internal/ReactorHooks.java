package dev.vigil.crash.internal;

import java.lang.reflect.Field;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Schedulers;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Installs and removes the Reactor hooks. {@code Schedulers.onHandleError} and {@code Schedulers.onScheduleHook} are
 * keyed and removed by key. {@code Hooks.onErrorDropped} is not keyed: install remembers the hook in place (read
 * reflectively when Reactor's package is readable, as on the class path) and close restores it when no one added a
 * hook after ours; otherwise our consumer stays in place, inert, and behaves as Reactor's default.
 */
public final class ReactorHooks {
    /** The key of our keyed hooks. */
    public static final String KEY = "dev.vigil.crash";

    private static final Logger DEFAULT_DROP_LOGGER = Loggers.getLogger(Operators.class);

    private ReactorHooks() {
    }

    /** Installs {@code handler} on dropped errors; the returned handle removes it. */
    public static AutoCloseable onErrorDropped(Consumer<Throwable> handler) {
        Field field = droppedField();
        Object before = read(field);
        boolean hadHook = field == null || before != null;
        DroppedConsumer ours = new DroppedConsumer(handler, !hadHook);
        Hooks.onErrorDropped(ours);
        Object installed = read(field);
        return () -> {
            ours.active = false;
            if (field != null && read(field) == installed) {
                Hooks.resetOnErrorDropped();
                if (before != null) {
                    @SuppressWarnings("unchecked")
                    Consumer<? super Throwable> previous = (Consumer<? super Throwable>) before;
                    Hooks.onErrorDropped(previous);
                }
            }
        };
    }

    /** Installs {@code handler} on scheduler task failures under {@link #KEY}. */
    public static AutoCloseable onHandleError(BiConsumer<Thread, Throwable> handler) {
        Schedulers.onHandleError(KEY, handler::accept);
        return () -> Schedulers.resetOnHandleError(KEY);
    }

    /** Installs the task clock under {@link #KEY}. */
    public static AutoCloseable onSchedule(TaskClock clock) {
        Schedulers.onScheduleHook(KEY, clock);
        return () -> {
            clock.deactivate();
            Schedulers.resetOnScheduleHook(KEY);
        };
    }

    private static Field droppedField() {
        try {
            Field f = Hooks.class.getDeclaredField("onErrorDroppedHook");
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException | RuntimeException notReadable) {
            // Reactor's package is not open to us (module path) or the field changed: fall back to an inert hook.
            return null;
        }
    }

    private static Object read(Field f) {
        if (f == null) {
            return null;
        }
        try {
            return f.get(null);
        } catch (IllegalAccessException e) {
            return null;
        }
    }

    /** Our dropped-error consumer; when no hook was in place before it, it also keeps Reactor's default log. */
    private static final class DroppedConsumer implements Consumer<Throwable> {
        private final Consumer<Throwable> handler;
        private final boolean logLikeDefault;
        volatile boolean active = true;

        DroppedConsumer(Consumer<Throwable> handler, boolean logLikeDefault) {
            this.handler = handler;
            this.logLikeDefault = logLikeDefault;
        }

        @Override
        public void accept(Throwable e) {
            if (active) {
                handler.accept(e);
            }
            if (logLikeDefault || !active) {
                DEFAULT_DROP_LOGGER.error("Operator called default onErrorDropped", e);
            }
        }
    }
}
