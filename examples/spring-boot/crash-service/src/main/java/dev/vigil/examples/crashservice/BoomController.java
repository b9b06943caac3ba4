package dev.vigil.examples.crashservice;

import java.util.concurrent.CountDownLatch;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** Three ways a service goes wrong where no request handler sees it. Each answers at once with what it started. */
@RestController
@RequestMapping("/boom")
class BoomController {

    /** A background thread dies of an exception nobody catches: {@code UNCAUGHT_EXCEPTION}. */
    @PostMapping("/uncaught")
    String uncaught() {
        Thread t = new Thread(() -> {
            throw new IllegalStateException("boom: a background job failed and nobody caught it");
        }, "boom-uncaught");
        t.start();
        return "started thread boom-uncaught";
    }

    /**
     * A fire-and-forget pipeline fails with no error handler: Reactor has nowhere to send the error and drops it
     * ({@code Hooks.onErrorDropped}): {@code REACTOR_DROPPED_ERROR}.
     */
    @PostMapping("/dropped")
    String dropped() {
        Mono.fromCallable(() -> {
            throw new IllegalStateException("boom: a fire-and-forget call failed with no error handler");
        }).subscribeOn(Schedulers.boundedElastic()).subscribe();
        return "subscribed without an error handler";
    }

    /** Two threads take two locks in opposite orders: {@code DEADLOCK}, found by the reporter's watchdog. */
    @PostMapping("/deadlock")
    String deadlock() {
        Object first = new Object();
        Object second = new Object();
        CountDownLatch bothHoldOne = new CountDownLatch(2);
        start("boom-deadlock-1", first, second, bothHoldOne);
        start("boom-deadlock-2", second, first, bothHoldOne);
        return "started threads boom-deadlock-1 and boom-deadlock-2";
    }

    private static void start(String name, Object a, Object b, CountDownLatch bothHoldOne) {
        Thread t = new Thread(() -> {
            synchronized (a) {
                bothHoldOne.countDown();
                try {
                    bothHoldOne.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                synchronized (b) {
                    throw new AssertionError("unreachable: the other thread holds " + b);
                }
            }
        }, name);
        t.setDaemon(true); // it never ends: let the JVM exit without it
        t.start();
    }
}
