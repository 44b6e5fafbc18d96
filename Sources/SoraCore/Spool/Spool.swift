#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The spool directory, the only channel between responders and workers. Layout (nginx serves
/// only `status/`, and there only job-id and feed names):
///
///     jobs/<id>/request.json   private request (prompt, model, parameters, frame file names)
///     jobs/<id>/first.<ext>    uploaded first frame; last.<ext> the last frame
///     jobs/<id>/state.json     worker state (upstream task id, result link, submissions)
///     jobs/<id>/lock           held by the job's worker while it runs
///     jobs/<id>/worker.log     the worker's stdout/stderr
///     jobs/<id>/download.part  video being downloaded (kept across restarts for Range resume)
///     status/<id>.json         public status document
///     status/feed-<token>.json the change feed (docs/contract.md §7)
///     queue/<id>               jobs waiting for a worker slot
///     idem/<sha256>            Idempotency-Key → "<job id> <body sha256>"
///     slots/<n>                one lock per running worker (concurrency limit)
///     tmp/                     jobs being assembled before they appear under jobs/
///     ledger/<YYYY-MM-DD>      money per job and day: hold, charge, settle, release (Ledger)
///     private/                 the feed token and other small secrets of the spool (0700)
///     private/index.sqlite     the library index, rebuilt from status/ at will (LibraryIndex)
///     events.log               one JSON line per event
public struct Spool: Sendable {
    public let root: String
    /// `SORA_DAILY_BUDGET_USD` (nil: no cap), for the spend the feed shows.
    public let dailyBudget: Double?

    public init(root: String, dailyBudget: Double? = nil) { self.root = root; self.dailyBudget = dailyBudget }

    public var jobsDir: String { root + "/jobs" }
    public var statusDir: String { root + "/status" }
    public var queueDir: String { root + "/queue" }
    public var idemDir: String { root + "/idem" }
    public var slotsDir: String { root + "/slots" }
    public var tmpDir: String { root + "/tmp" }
    public var privateDir: String { root + "/private" }
    public var eventsLog: String { root + "/events.log" }
    public var ledger: Ledger { Ledger(dir: root + "/ledger") }
    /// The library's index of jobs (derived from the status files).
    public var index: LibraryIndex { LibraryIndex(spool: self) }

    public func jobDir(_ id: String) -> String { "\(jobsDir)/\(id)" }
    public func statusPath(_ id: String) -> String { "\(statusDir)/\(id).json" }
    public func lockPath(_ id: String) -> String { jobDir(id) + "/lock" }
    public func statePath(_ id: String) -> String { jobDir(id) + "/state.json" }
    public func requestPath(_ id: String) -> String { jobDir(id) + "/request.json" }
    public func downloadPath(_ id: String) -> String { jobDir(id) + "/download.part" }
    public func workerLogPath(_ id: String) -> String { jobDir(id) + "/worker.log" }
    /// Disk space set aside when the job is made, given up on a full disk so the upstream task id
    /// and result link can still be written (they are what the job's money depends on).
    public func reservePath(_ id: String) -> String { jobDir(id) + "/reserve" }
    public static let reserveBytes = 32 * 1024

    /// Gives the job's reserved space back (on a full disk, and when the job ends).
    public func releaseReserve(_ id: String) { unlink(reservePath(id)) }

    /// Creates the directory tree (private parts 0700, status 0755 for nginx).
    public func prepare() throws {
        try FileIO.makeDirectory(root, mode: 0o755)
        for d in [jobsDir, queueDir, idemDir, slotsDir, tmpDir, ledger.dir, privateDir] { try FileIO.makeDirectory(d, mode: 0o700) }
        try FileIO.makeDirectory(statusDir, mode: 0o755)
    }

    // MARK: status

    public func readStatus(_ id: String) -> StatusDocument? {
        guard JobID.isValid(id), let bytes = FileIO.read(statusPath(id)) else { return nil }
        return try? SpoolJSON.decoder().decode(StatusDocument.self, from: Data(bytes))
    }

    /// Writes a whole document; only job creation and `transition` call it. `durable: false`
    /// skips the fsyncs (a cosmetic change, redone if lost).
    func writeStatus(_ doc: StatusDocument, durable: Bool = true) throws {
        try FileIO.writeAtomically(SpoolJSON.encoder().encode(doc), to: statusPath(doc.taskID), syncDirectory: durable, durable: durable)
    }

    // MARK: private files

    public func readRequest(_ id: String) -> JobRequest? {
        guard let b = FileIO.read(requestPath(id)) else { return nil }
        return try? SpoolJSON.decoder().decode(JobRequest.self, from: Data(b))
    }

    public func readState(_ id: String) -> WorkerState {
        guard let b = FileIO.read(statePath(id)),
              let s = try? SpoolJSON.decoder().decode(WorkerState.self, from: Data(b)) else { return WorkerState() }
        return s
    }

    /// Durable (fsync) before it returns: callers write the state *before* the step it guards.
    public func writeState(_ id: String, _ state: WorkerState) throws {
        try FileIO.writeAtomically(SpoolJSON.encoder().encode(state), to: statePath(id), mode: 0o600)
    }

    // MARK: creating jobs

    /// An uploaded frame to keep with the job.
    public struct FrameFile: Sendable {
        public var name: String
        public var bytes: [UInt8]
        public init(name: String, bytes: [UInt8]) { self.name = name; self.bytes = bytes }
    }

    /// What `createJob` did.
    public enum Creation: Sendable {
        case created(StatusDocument)
        /// The Idempotency-Key was seen before with the same body: the first job's current status.
        case existing(StatusDocument)
        /// The Idempotency-Key was seen before with another body.
        case keyReused(StatusDocument)
    }

    /// Makes a job durable: assembles it under `tmp/`, renames it into `jobs/`, writes the first
    /// status file, records the idempotency key and queues it. On any failure nothing is left.
    public func createJob(request: JobRequest, frames: [FrameFile], status: StatusDocument,
                          idempotencyKey: String?, bodyHash: String) throws -> Creation {
        let id = request.taskID
        let idemPath = idempotencyKey.map { "\(idemDir)/\(Self.idempotencyHash($0))" }
        if let idemPath, let seen = lookupIdempotency(idemPath, bodyHash: bodyHash) { return seen }

        let staging = "\(tmpDir)/\(id)"
        var committed = false
        defer { if !committed { FileIO.remove(staging); FileIO.remove(jobDir(id)); FileIO.remove(statusPath(id)) } }
        try FileIO.makeDirectory(staging, mode: 0o700)
        var req = request
        req.idempotencyHash = idempotencyKey.map(Self.idempotencyHash)
        for f in frames { try FileIO.writeNew(f.bytes, to: "\(staging)/\(f.name)") }
        try FileIO.writeNew(Array(SpoolJSON.encoder().encode(req)), to: "\(staging)/request.json")
        let reserve = open("\(staging)/reserve", O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard reserve >= 0 else { throw FileIO.Failure("cannot create", "\(staging)/reserve") }
        let allocated = posix_fallocate(reserve, 0, off_t(Self.reserveBytes))
        close(reserve)
        guard allocated == 0 else { errno = allocated; throw FileIO.Failure("cannot reserve space in", staging) }
        FileIO.syncDirectory(staging)
        guard rename(staging, jobDir(id)) == 0 else { throw FileIO.Failure("cannot move job into", jobsDir) }
        FileIO.syncDirectory(jobsDir)
        var doc = status
        doc.queuePosition = min(queuedCount(limit: Self.numberedPlaces), Self.numberedPlaces) + 1
        try writeStatus(doc)

        if let idemPath {
            // link() fails if the key exists: exactly one of two racing requests wins.
            let tmp = "\(tmpDir)/idem-\(id)"
            try FileIO.writeAtomically(Array("\(id) \(bodyHash)".utf8), to: tmp, mode: 0o600, syncDirectory: false)
            defer { unlink(tmp) }
            if link(tmp, idemPath) != 0 {
                if errno == EEXIST, let seen = lookupIdempotency(idemPath, bodyHash: bodyHash, wait: true) {
                    return seen  // the deferred cleanup removes our copy
                }
                throw FileIO.Failure("cannot record idempotency key in", idemDir)
            }
            FileIO.syncDirectory(idemDir)
        }
        // The queue marker needs no fsync: `reap` re-queues any `queued` job that lost its marker.
        try FileIO.touch("\(queueDir)/\(id)")
        committed = true
        index.record(doc)
        Feed(spool: self).record(.created, doc)
        return .created(doc)
    }

    /// The job an Idempotency-Key already names (same body: `.existing`; another: `.keyReused`).
    public func lookupIdempotency(key: String, bodyHash: String) -> Creation? {
        lookupIdempotency("\(idemDir)/\(Self.idempotencyHash(key))", bodyHash: bodyHash)
    }

    private func lookupIdempotency(_ path: String, bodyHash: String, wait: Bool = false) -> Creation? {
        for _ in 0..<(wait ? 50 : 1) {
            if let b = FileIO.read(path) {
                let parts = String(decoding: b, as: UTF8.self).split(separator: " ").map(String.init)
                if let id = parts.first, let doc = readStatus(id) {
                    // Keys recorded by the first release carry no body hash: treat them as the same body.
                    return parts.count < 2 || parts[1] == bodyHash ? .existing(doc) : .keyReused(doc)
                }
            }
            if !wait { break }
            usleep(20_000)
        }
        return nil
    }

    /// Keys are stored hashed: any byte string is a safe file name that way.
    public static func idempotencyHash(_ key: String) -> String { sha256Hex(Array(key.utf8)) }

    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        Hex.string(Digest.hash(.sha256, bytes))
    }

    // MARK: queue

    /// Queued job ids, oldest first.
    public func queuedJobs() -> [String] { FileIO.list(queueDir).filter(JobID.isValid).sorted() }

    /// The oldest queued job that no worker holds.
    public func nextQueuedJob() -> String? { queuedJobs().first { !FileLock.isHeld(lockPath($0)) } }

    /// How many jobs wait in the queue (only job ids are ever put there).
    public func queuedCount(limit: Int = .max) -> Int { FileIO.count(queueDir, limit: limit) }

    /// Queue places are numbered up to this one; a job further back has the next number, which
    /// the page and the command line show as "100+" (docs/contract.md §3).
    public static let numberedPlaces = 100

    public func dequeue(_ id: String) { unlink("\(queueDir)/\(id)") }

    /// How many of the `maxWorkers` slot locks are held right now (running workers).
    public func runningWorkers(max maxWorkers: Int) -> Int {
        (0..<maxWorkers).filter { FileLock.isHeld("\(slotsDir)/\($0)") }.count
    }

    /// Whether a worker could take a slot right now. A submit that finds every slot held spawns
    /// no worker (a process that would only start and exit, most of a submit's CPU in a burst):
    /// the job is queued first, and a worker looks at the queue again after releasing its slot.
    /// The probe keeps the slot files open in this process, so that it costs `flock` calls rather
    /// than dozens of opens per submit.
    public func hasFreeSlot(max maxWorkers: Int) -> Bool {
        slotProbes.withLock { open in
            for n in 0..<maxWorkers {
                let path = "\(slotsDir)/\(n)"
                var fd = open[path] ?? -1
                var kept = true
                if fd < 0 {
                    guard FileIO.exists(path) else { return true }  // never taken yet
                    fd = Glibc.open(path, O_RDWR | O_CLOEXEC)
                    guard fd >= 0 else { continue }
                    kept = open.count < 256  // stay well inside the descriptor limit
                    if kept { open[path] = fd }
                }
                defer { if !kept { close(fd) } }
                if flock(fd, LOCK_EX | LOCK_NB) == 0 { flock(fd, LOCK_UN); return true }
            }
            return false
        }
    }

    public func enqueue(_ id: String) throws { try FileIO.touch("\(queueDir)/\(id)") }

    /// Waits until no job has been made for `quiet` seconds (a submit renames each new job into
    /// `jobs/`, so the directory's modification time is the last one's), but `atMost` seconds at
    /// most. A worker starting the next one waits for this: a worker's start costs about as much
    /// CPU as ten submits, and in a burst the submits should have it.
    public func waitForQuietSubmits(quiet: Double, atMost: Double) {
        let deadline = Date().timeIntervalSince1970 + atMost
        while true {
            var st = stat()
            guard stat(jobsDir, &st) == 0 else { return }
            let now = Date().timeIntervalSince1970
            let last = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
            let wait = min(quiet - (now - last), deadline - now)
            guard wait > 0 else { return }
            usleep(UInt32(min(wait, quiet) * 1_000_000))
        }
    }

    /// Rewrites the queue positions of jobs still waiting, after one left the queue. Only the
    /// first 100 are numbered: a job further back has 101 from its submit on (the page says
    /// "100+"). Workers starting together would each rewrite the same positions (a storm that
    /// held up the submits coming in): one process renumbers and the others leave it a note to
    /// go round once more. With `pause`, a note found after a round waits that long first, so
    /// that a burst of workers starting one after another renumbers a few times a second rather
    /// than once per worker (a round rewrites up to 100 status files, in the directory the
    /// submits write to).
    public func renumberQueue(now: Date, pause: Double = 0) {
        var now = now
        let again = privateDir + "/renumber.again"
        try? FileIO.touch(again)
        while FileIO.exists(again) {
            guard let lock = FileLock.tryLock(privateDir + "/renumber.lock") else { return }  // its holder sees the note
            while unlink(again) == 0 {
                var n = 0
                for id in queuedJobs() where !FileLock.isHeld(lockPath(id)) {
                    n += 1
                    if n > Self.numberedPlaces { break }
                    guard let doc = readStatus(id), doc.status == .queued, doc.queuePosition != n else { continue }
                    _ = try? transition(id, to: .queued, now: now, cosmetic: true) { $0.queuePosition = n }
                }
                if pause > 0, FileIO.exists(again) {
                    usleep(UInt32(pause * 1_000_000))
                    now = Date()  // the next round's writes are made now
                }
            }
            lock.release()
        }
    }

    // MARK: library

    /// All job ids that have a status file, newest first.
    public func allJobIDs() -> [String] {
        FileIO.list(statusDir).compactMap { name -> String? in
            guard name.hasSuffix(".json") else { return nil }
            let id = String(name.dropLast(5))
            return JobID.isValid(id) ? id : nil
        }.sorted(by: >)
    }

    /// Removes a job entirely: status first (so it leaves the library at once), then its files.
    public func deleteJob(_ id: String) {
        let hash = readRequest(id)?.idempotencyHash
        let doc = readStatus(id)
        unlink(statusPath(id))
        index.remove(id)
        dequeue(id)
        if let hash { unlink("\(idemDir)/\(hash)") }
        FileIO.remove(jobDir(id))
        if let doc { Feed(spool: self).record(.deleted, doc) }
    }
}

/// Slot files a process has opened to probe (`Spool.hasFreeSlot`), by path.
private let slotProbes = Mutex<[String: Int32]>([:])
