package dev.genba.server.mirror.compare;

/** The same thing from the primary and from the mirror database. */
record Pair<T>(T primary, T mirror) {
}
