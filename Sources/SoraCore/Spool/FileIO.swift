#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// Small POSIX file helpers. Every descriptor is opened with O_CLOEXEC so nothing leaks into
/// spawned workers.
public enum FileIO {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        init(_ what: String, _ path: String) { description = "\(what) \(path): \(String(cString: strerror(errno)))" }
    }

    /// Replaces `path` atomically: temp file in the same directory, fsync, rename, fsync the
    /// directory. Readers (nginx) see the old or the new file, never a torn one.
    /// `syncDirectory: false` skips the directory fsync when the caller makes the directory itself
    /// durable later (a staging directory that is renamed and whose parent is then synced).
    /// `durable: false` skips every fsync, for derived files a crash may lose (the change feed).
    public static func writeAtomically(_ bytes: some Collection<UInt8>, to path: String, mode: mode_t = 0o644,
                                       syncDirectory syncDir: Bool = true, durable: Bool = true) throws {
        let dir = Path.directory(path)
        let name = Path.lastComponent(path)
        let tmp = "\(dir)/.\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure("cannot create", tmp) }
        var ok = false
        defer { if !ok { unlink(tmp) } }
        do {
            defer { close(fd) }
            try writeAll(fd, Array(bytes), path: tmp)
            guard !durable || fsync(fd) == 0 else { throw Failure("cannot fsync", tmp) }
        }
        guard rename(tmp, path) == 0 else { throw Failure("cannot rename onto", path) }
        ok = true
        if syncDir && durable { syncDirectory(dir) }
    }

    /// Creates `path` with `bytes` and fsyncs it, for a directory no reader sees before it is
    /// renamed into place (a job's staging directory): a temp file and a rename buy nothing there.
    public static func writeNew(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure("cannot create", path) }
        var ok = false
        defer { close(fd); if !ok { unlink(path) } }
        try writeAll(fd, bytes, path: path)
        guard fsync(fd) == 0 else { throw Failure("cannot fsync", path) }
        ok = true
    }

    /// Writes all bytes to `fd`, retrying short writes and EINTR.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, bytes.count - off) }
            if n < 0 { if errno == EINTR { continue }; throw Failure("cannot write", path) }
            off += n
        }
    }

    /// fsync a directory so a rename in it survives a crash.
    public static func syncDirectory(_ dir: String) {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }

    /// Reads a whole small file, or nil if it does not exist.
    public static func read(_ path: String, limit: Int = 64 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while out.count <= limit {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, 65536) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }

    /// Reads a descriptor to its end (a pipe), up to `limit` bytes.
    public static func readFD(_ fd: Int32, limit: Int) -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while out.count < limit {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, min(4096, limit - out.count)) }
            if n < 0 { if errno == EINTR { continue }; break }
            if n == 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Creates an empty marker file (no fsync: markers can be rebuilt from status files).
    public static func touch(_ path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure("cannot create", path) }
        close(fd)
    }

    /// Creates a directory and its parents.
    public static func makeDirectory(_ path: String, mode: Int = 0o755) throws {
        // The usual case, a new directory in an existing one, without FileManager's walk of the
        // whole path (a job's staging directory is made on every submit).
        if mkdir(path, mode_t(mode)) == 0 {
            guard chmod(path, mode_t(mode)) == 0 else { throw Failure("cannot set the mode of", path) }  // past the umask
            return
        }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: mode])
    }

    /// Removes a file or a directory tree; missing is fine.
    public static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Names in a directory (no `.`/`..`), unsorted; empty if missing.
    public static func list(_ dir: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
    }

    /// How many entries a directory holds (not `.`, `..` or other dot names), without making a
    /// `String` for each, stopping at `limit`: a submit counts the queue, which can hold
    /// thousands, but needs to know only whether it is over 100.
    public static func count(_ dir: String, limit: Int = .max) -> Int {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        // A few entries at a time, not readdir's 32 KB: on ext4 each batch reads, hashes and
        // sorts every name it returns (about 600 job ids, half a millisecond), and a submit
        // stops at 100.
        let size = 8192
        let buf = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buf.deallocate() }
        var n = 0
        while n < limit {
            let got = getdents64(fd, buf, size)
            if got <= 0 { break }
            var at = 0
            while at < got && n < limit {  // struct linux_dirent64: d_reclen at 16, d_name at 19
                if buf.load(fromByteOffset: at + 19, as: UInt8.self) != UInt8(ascii: ".") { n += 1 }
                at += Int(buf.load(fromByteOffset: at + 16, as: UInt16.self))
            }
        }
        return n
    }

    /// Bytes an unprivileged writer may still use on the filesystem holding `path`.
    public static func freeBytes(_ path: String) -> Int64? {
        var s = statvfs()
        return statvfs(path, &s) == 0 ? Int64(s.f_bavail) * Int64(s.f_frsize) : nil
    }

    public static func size(_ path: String) -> Int64? {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : nil
    }

    public static func modified(_ path: String) -> Date? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Date(timeIntervalSince1970: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
    }
}

/// An exclusive `flock` on a file, held until `release()` or process death (the kernel drops
/// it when a worker is killed, which is how a dead worker is recognised).
public final class FileLock {
    private var fd: Int32

    private init(fd: Int32) { self.fd = fd }

    /// Takes the lock without waiting; nil if another process holds it.
    public static func tryLock(_ path: String) -> FileLock? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 { close(fd); return nil }
        return FileLock(fd: fd)
    }

    /// Whether some process holds the lock right now (does not keep it).
    public static func isHeld(_ path: String) -> Bool {
        guard FileIO.exists(path) else { return false }
        guard let l = tryLock(path) else { return true }
        l.release()
        return false
    }

    public func release() {
        if fd >= 0 { flock(fd, LOCK_UN); close(fd); fd = -1 }
    }

    deinit { release() }
}

/// A file's device and inode: which file a path named when it was read.
struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64
    init(_ st: stat) { device = UInt64(st.st_dev); inode = UInt64(st.st_ino) }
}
