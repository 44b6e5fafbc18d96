// What Swift cannot import from sqlite3.h: SQLITE_TRANSIENT is a cast macro.
#ifndef SORA_CSQLITE_SHIM_H
#define SORA_CSQLITE_SHIM_H
#include <sqlite3.h>

/// Binds UTF-8 text that SQLite copies (the Swift buffer does not outlive the call).
static inline int sora_sqlite_bind_text(sqlite3_stmt *s, int i, const char *text, int bytes) {
    return sqlite3_bind_text(s, i, text, bytes, SQLITE_TRANSIENT);
}

/// Leaves checkpoints to the automatic one in a later commit (sqlite3_db_config is variadic,
/// which Swift cannot call).
static inline int sora_sqlite_no_checkpoint_on_close(sqlite3 *db) {
    return sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)0);
}
#endif
