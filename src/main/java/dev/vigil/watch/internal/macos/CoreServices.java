package dev.vigil.watch.internal.macos;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * The FSEvents calls of CoreServices.framework ({@code <CoreServices/FSEvents.h>}), as Apple documents them. macOS
 * is 64-bit only here: {@code CFIndex}, {@code size_t} and {@code FSEventStreamEventId} map to {@code long},
 * {@code FSEventStreamEventFlags} and {@code FSEventStreamCreateFlags} ({@code UInt32}) to {@code int},
 * {@code Boolean} to {@code byte}, {@code CFTimeInterval} to {@code double}. Loaded on first use, by the probe only.
 */
interface CoreServices extends Library {

    /** The library; loading it throws a {@link LinkageError} off macOS. */
    final class Holder {
        static final CoreServices INSTANCE = Native.load("CoreServices", CoreServices.class);

        private Holder() {
        }
    }

    /**
     * {@code FSEventStreamCallback}: {@code (ConstFSEventStreamRef streamRef, void *clientCallBackInfo,
     * size_t numEvents, void *eventPaths, const FSEventStreamEventFlags eventFlags[],
     * const FSEventStreamEventId eventIds[])}. With {@code UseCFTypes}, {@code eventPaths} is a {@code CFArrayRef}
     * (of {@code CFStringRef}, or of {@code CFDictionaryRef} with {@code UseExtendedData}); otherwise a C array of
     * UTF-8 C strings. Everything it points to is valid only during the call.
     */
    interface StreamCallback extends Callback {
        void invoke(Pointer streamRef, Pointer info, long numEvents, Pointer eventPaths, Pointer eventFlags,
                Pointer eventIds);
    }

    /**
     * {@code FSEventStreamContext}: {@code CFIndex version} (0); {@code void *info} (handed to the callback);
     * {@code retain}, {@code release}, {@code copyDescription} callbacks (NULL: info is not a CF object). 40 bytes.
     */
    @Structure.FieldOrder({"version", "info", "retain", "release", "copyDescription"})
    final class StreamContext extends Structure {
        public long version;
        public Pointer info;
        public Pointer retain;
        public Pointer release;
        public Pointer copyDescription;

        /** The offset of {@code field} (for the layout test). */
        int offsetOf(String field) {
            return fieldOffset(field);
        }
    }

    /**
     * {@code FSEventStreamCreate(CFAllocatorRef allocator, FSEventStreamCallback callback,
     * FSEventStreamContext *context, CFArrayRef pathsToWatch, FSEventStreamEventId sinceWhen,
     * CFTimeInterval latency, FSEventStreamCreateFlags flags)}: NULL on failure. The context is copied.
     */
    Pointer FSEventStreamCreate(Pointer allocator, StreamCallback callback, StreamContext context,
            Pointer pathsToWatch, long sinceWhen, double latency, int flags);

    /** {@code FSEventStreamSetDispatchQueue(FSEventStreamRef, dispatch_queue_t)} (macOS 10.6+). */
    void FSEventStreamSetDispatchQueue(Pointer stream, Pointer queue);

    /** {@code FSEventStreamStart}: true when the stream started. */
    byte FSEventStreamStart(Pointer stream);

    /** {@code FSEventStreamFlushSync}: delivers pending events to the callback before it returns. */
    void FSEventStreamFlushSync(Pointer stream);

    void FSEventStreamStop(Pointer stream);

    void FSEventStreamInvalidate(Pointer stream);

    void FSEventStreamRelease(Pointer stream);

    /** {@code FSEventsGetCurrentEventId}: the probe's call. */
    long FSEventsGetCurrentEventId();
}
