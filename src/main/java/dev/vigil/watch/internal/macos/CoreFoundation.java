package dev.vigil.watch.internal.macos;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;

/**
 * The CoreFoundation calls the FSEvents backend needs to build its path array and read {@code UseCFTypes}
 * callbacks ({@code CFIndex} is {@code long}, {@code Boolean} {@code byte}; every {@code Create} result is released
 * with {@link #CFRelease}). Loaded on first use.
 */
interface CoreFoundation extends Library {

    /** {@code kCFStringEncodingUTF8}. */
    int STRING_ENCODING_UTF8 = 0x08000100;
    /** {@code kCFNumberSInt64Type}. */
    int NUMBER_SINT64 = 4;

    /** The library, and the address of {@code kCFTypeArrayCallBacks} (for an array that retains its strings). */
    final class Holder {
        static final CoreFoundation INSTANCE = Native.load("CoreFoundation", CoreFoundation.class);
        static final Pointer TYPE_ARRAY_CALLBACKS = NativeLibrary.getInstance("CoreFoundation")
                .getGlobalVariableAddress("kCFTypeArrayCallBacks");

        private Holder() {
        }
    }

    /** {@code CFStringCreateWithBytes(alloc, bytes, numBytes, encoding, isExternalRepresentation)}. */
    Pointer CFStringCreateWithBytes(Pointer alloc, byte[] bytes, long numBytes, int encoding, byte external);

    /** {@code CFArrayCreate(alloc, const void **values, CFIndex numValues, const CFArrayCallBacks *callBacks)}. */
    Pointer CFArrayCreate(Pointer alloc, Pointer[] values, long numValues, Pointer callBacks);

    long CFArrayGetCount(Pointer array);

    Pointer CFArrayGetValueAtIndex(Pointer array, long index);

    long CFStringGetLength(Pointer string);

    long CFStringGetMaximumSizeForEncoding(long length, int encoding);

    /** {@code CFStringGetCString(string, buffer, bufferSize, encoding)}: 0 when the buffer is too small. */
    byte CFStringGetCString(Pointer string, byte[] buffer, long bufferSize, int encoding);

    Pointer CFDictionaryGetValue(Pointer dictionary, Pointer key);

    /** {@code CFNumberGetValue(number, theType, valuePtr)}: 0 when the value was lossily converted. */
    byte CFNumberGetValue(Pointer number, int type, LongByReference value);

    long CFGetTypeID(Pointer cf);

    long CFDictionaryGetTypeID();

    void CFRelease(Pointer cf);
}
