#if canImport(Glibc)
import Glibc
#endif

/// The `flock` on `private/index.lock` that orders index work across processes: reads and
/// writes share it, a rebuild holds it alone. The kernel drops it when a process dies.
final class IndexLock {
    enum Mode { case shared, exclusive }
    private var fd: Int32

    private init(fd: Int32) { self.fd = fd }

    /// Takes the lock, waiting for it when `wait` is true; nil if it is not free (or the lock
    /// file can't be opened).
    static func take(_ path: String, _ mode: Mode, wait: Bool) -> IndexLock? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        let op = (mode == .shared ? LOCK_SH : LOCK_EX) | (wait ? 0 : LOCK_NB)
        while flock(fd, op) != 0 {
            if errno == EINTR { continue }
            close(fd)
            return nil
        }
        return IndexLock(fd: fd)
    }

    func release() {
        if fd >= 0 { flock(fd, LOCK_UN); close(fd); fd = -1 }
    }

    deinit { release() }
}
