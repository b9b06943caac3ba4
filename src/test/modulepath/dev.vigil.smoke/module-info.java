/** A user of Vigil on the module path: sees only what {@code dev.vigil} exports. */
module dev.vigil.smoke {
    requires dev.vigil;
}
