package dev.vigil.crash.internal.windows;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * {@code MINIDUMP_EXCEPTION_INFORMATION}, which {@code minidumpapiset.h} declares under {@code #pragma pack(4)}: on
 * x64 the pointer sits at offset 4, not 8, and the structure is 16 bytes, not 24. Non-API.
 */
@Structure.FieldOrder({"ThreadId", "ExceptionPointers", "ClientPointers"})
public final class MinidumpExceptionInformation extends Structure {
    /** {@code DWORD}: the thread that raised the exception. */
    public int ThreadId;
    /** {@code PEXCEPTION_POINTERS}: the exception record and context, in the address space given by ClientPointers. */
    public Pointer ExceptionPointers;
    /** {@code BOOL}: non-zero when ExceptionPointers is an address in the dumped process, not in the caller. */
    public int ClientPointers;

    /** An empty structure. */
    public MinidumpExceptionInformation() {
        super();
    }

    /** Packs every field at most on a 4-byte boundary, as {@code #pragma pack(4)} does. */
    @Override
    protected int getNativeAlignment(Class<?> type, Object value, boolean isFirstElement) {
        return Math.min(4, super.getNativeAlignment(type, value, isFirstElement));
    }

    /** The offset of a field in bytes (for layout tests). */
    public int offsetOf(String field) {
        return fieldOffset(field);
    }
}
