// What Swift cannot import from sqlite3.h: SQLITE_TRANSIENT is a cast macro.
#ifndef SORA_CSQLITE_SHIM_H
#define SORA_CSQLITE_SHIM_H
#include <sqlite3.h>

/// Binds UTF-8 text that SQLite copies (the Swift buffer does not outlive the call).
static inline int sora_sqlite_bind_text(sqlite3_stmt *s, int i, const char *text, int bytes) {
    return sqlite3_bind_text(s, i, text, bytes, SQLITE_TRANSIENT);
}
#endif
