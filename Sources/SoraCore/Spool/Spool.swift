import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The private part of a job, written once by `generate`: never served by nginx.
public struct JobRequest: Codable, Sendable, Equatable {
    public var taskID: String
    public var model: String
    public var upstreamModel: String
    public var prompt: String
    /// File name of the first frame inside the job directory (`image.png`), if any.
    public var imageFile: String?
    public var imageMIME: String?
    /// An https first-frame URL given instead of an uploaded image.
    public var imageURL: String?
    public var priceUSD: Double
    public var createdAt: Date
    /// SHA-256 of the Idempotency-Key, if one was sent (so deleting the job can drop it).
    public var idempotencyHash: String?

    enum CodingKeys: String, CodingKey {
        case model, prompt
        case idempotencyHash = "idempotency_hash"
        case taskID = "task_id"
        case upstreamModel = "upstream_model"
        case imageFile = "image_file"
        case imageMIME = "image_mime"
        case imageURL = "image_url"
        case priceUSD = "price_usd"
        case createdAt = "created_at"
    }
}

/// The worker's private progress record: what must survive a crash so a new worker can resume
/// the transfer without ever submitting the generation again.
public struct WorkerState: Codable, Sendable, Equatable {
    /// How many times this job was sent upstream (must never exceed 1).
    public var submissions: Int = 0
    public var submittedAt: Date?
    /// The short-lived video link, kept private (it may carry a signed query).
    public var upstreamLink: String?
    public var upstreamLinkExpiresAt: Date?
    public var upstreamTaskID: String?
    public var storedKey: String?
    /// How many times a transfer was started (the reaper retries failed ones a few times).
    public var transferRounds: Int = 0

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        submissions = try c.decodeIfPresent(Int.self, forKey: .submissions) ?? 0
        submittedAt = try c.decodeIfPresent(Date.self, forKey: .submittedAt)
        upstreamLink = try c.decodeIfPresent(String.self, forKey: .upstreamLink)
        upstreamLinkExpiresAt = try c.decodeIfPresent(Date.self, forKey: .upstreamLinkExpiresAt)
        upstreamTaskID = try c.decodeIfPresent(String.self, forKey: .upstreamTaskID)
        storedKey = try c.decodeIfPresent(String.self, forKey: .storedKey)
        transferRounds = try c.decodeIfPresent(Int.self, forKey: .transferRounds) ?? 0
    }

    enum CodingKeys: String, CodingKey {
        case submissions
        case submittedAt = "submitted_at"
        case upstreamLink = "upstream_link"
        case upstreamLinkExpiresAt = "upstream_link_expires_at"
        case upstreamTaskID = "upstream_task_id"
        case storedKey = "stored_key"
        case transferRounds = "transfer_rounds"
    }
}

/// JSON coding shared by every spool file: ISO-8601 dates, sorted keys (stable diffs).
public enum SpoolJSON {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .custom { date, enc in
            var c = enc.singleValueContainer()
            try c.encode(isoString(date))
        }
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { dec in
            let s = try dec.singleValueContainer().decode(String.self)
            if let date = parseISO(s) { return date }
            throw DecodingError.dataCorrupted(.init(codingPath: dec.codingPath, debugDescription: "bad date \(s)"))
        }
        return d
    }

    /// `2026-11-25T13:19:13.123Z`. Hand-rolled on `gmtime_r`: Foundation's ISO8601DateFormatter
    /// goes through ICU and dominated the cost of every status read and write.
    public static func isoString(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var secs = time_t(ms >= 0 ? ms / 1000 : (ms - 999) / 1000)
        let frac = Int(ms - Int64(secs) * 1000)
        var t = tm()
        gmtime_r(&secs, &t)
        func pad(_ v: Int32, _ n: Int) -> String {
            let s = String(v)
            return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
        }
        return "\(pad(t.tm_year + 1900, 4))-\(pad(t.tm_mon + 1, 2))-\(pad(t.tm_mday, 2))T"
            + "\(pad(t.tm_hour, 2)):\(pad(t.tm_min, 2)):\(pad(t.tm_sec, 2)).\(pad(Int32(frac), 3))Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff…]Z` (UTC only, the form this project writes).
    public static func parseISO(_ s: String) -> Date? {
        let u = Array(s.utf8)
        guard u.count >= 20, u[4] == 45, u[7] == 45, u[10] == 84, u[13] == 58, u[16] == 58, u.last == 90 else { return nil }
        func num(_ a: Int, _ b: Int) -> Int32? {
            var v: Int32 = 0
            for c in u[a..<b] { guard (48...57).contains(c) else { return nil }; v = v * 10 + Int32(c - 48) }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 7), let d = num(8, 10), let h = num(11, 13), let mi = num(14, 16),
              let sec = num(17, 19), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61 else { return nil }
        // Fraction as an integer count of its digits, so "….123Z" gives exactly the Date that
        // `isoString` started from (milliseconds / 1000).
        var fracValue: Int64 = 0, fracScale: Int64 = 1
        if u[19] == 46 {
            for c in u[20..<(u.count - 1)].prefix(9) {
                guard (48...57).contains(c) else { return nil }
                fracValue = fracValue * 10 + Int64(c - 48)
                fracScale *= 10
            }
        } else if u.count != 20 { return nil }
        var t = tm()
        t.tm_year = y - 1900; t.tm_mon = mo - 1; t.tm_mday = d; t.tm_hour = h; t.tm_min = mi; t.tm_sec = sec
        return Date(timeIntervalSince1970: Double(Int64(timegm(&t)) * fracScale + fracValue) / Double(fracScale))
    }
}

/// The spool directory. Layout (only `status/` is ever served, read-only, by nginx):
///
///     jobs/<id>/request.json   private request (prompt, model, image file name)
///     jobs/<id>/image.<ext>    first frame, as uploaded
///     jobs/<id>/state.json     worker state (upstream link, submission count)
///     jobs/<id>/lock           held by the job's worker while it runs
///     jobs/<id>/worker.log     the worker's stdout/stderr
///     jobs/<id>/download.part  video being downloaded
///     status/<id>.json         public status document
///     queue/<id>               jobs waiting for a worker slot
///     idem/<sha256>            Idempotency-Key → job id
///     slots/<n>                one lock per running worker (concurrency limit)
///     tmp/                     jobs being assembled before they appear under jobs/
///     ledger/<YYYY-MM-DD>      one line per billed job (`<id> <usd>`), for "today's spend"
///     events.log               one JSON line per event
public struct Spool: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    public var jobsDir: String { root + "/jobs" }
    public var statusDir: String { root + "/status" }
    public var queueDir: String { root + "/queue" }
    public var idemDir: String { root + "/idem" }
    public var slotsDir: String { root + "/slots" }
    public var tmpDir: String { root + "/tmp" }
    public var eventsLog: String { root + "/events.log" }
    public var ledgerDir: String { root + "/ledger" }

    public func jobDir(_ id: String) -> String { "\(jobsDir)/\(id)" }
    public func statusPath(_ id: String) -> String { "\(statusDir)/\(id).json" }
    public func lockPath(_ id: String) -> String { jobDir(id) + "/lock" }
    public func statePath(_ id: String) -> String { jobDir(id) + "/state.json" }
    public func requestPath(_ id: String) -> String { jobDir(id) + "/request.json" }
    public func downloadPath(_ id: String) -> String { jobDir(id) + "/download.part" }
    public func workerLogPath(_ id: String) -> String { jobDir(id) + "/worker.log" }

    /// Creates the directory tree (private parts 0700, status 0755 for nginx).
    public func prepare() throws {
        try FileIO.makeDirectory(root, mode: 0o755)
        for d in [jobsDir, queueDir, idemDir, slotsDir, tmpDir, ledgerDir] { try FileIO.makeDirectory(d, mode: 0o700) }
        try FileIO.makeDirectory(statusDir, mode: 0o755)
    }

    // MARK: status

    public func readStatus(_ id: String) -> StatusDocument? {
        guard JobID.isValid(id), let bytes = FileIO.read(statusPath(id)) else { return nil }
        return try? SpoolJSON.decoder().decode(StatusDocument.self, from: Data(bytes))
    }

    public func writeStatus(_ doc: StatusDocument) throws {
        try FileIO.writeAtomically(SpoolJSON.encoder().encode(doc), to: statusPath(doc.taskID))
    }

    /// Read-modify-write of a status document: bumps `seq` and `updated_at`. Only the process
    /// holding the job's lock (or creating the job) may call it.
    @discardableResult
    public func updateStatus(_ id: String, now: Date = Date(), _ change: (inout StatusDocument) -> Void) throws -> StatusDocument {
        guard var doc = readStatus(id) else { throw FileIO.Failure("no status for", id) }
        change(&doc)
        doc.seq += 1
        doc.updatedAt = now
        try writeStatus(doc)
        return doc
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

    public func writeState(_ id: String, _ state: WorkerState) throws {
        try FileIO.writeAtomically(SpoolJSON.encoder().encode(state), to: statePath(id), mode: 0o600)
    }

    // MARK: creating jobs

    /// What `createJob` did.
    public enum Creation: Sendable {
        case created(StatusDocument)
        /// The Idempotency-Key was seen before: this is the first job's current status.
        case existing(StatusDocument)
    }

    /// Makes a job durable: assembles it under `tmp/`, renames it into `jobs/`, writes the first
    /// status file, records the idempotency key and queues it. On any failure nothing is left.
    public func createJob(request: JobRequest, image: [UInt8]?, imageExtension: String?, status: StatusDocument,
                          idempotencyKey: String?) throws -> Creation {
        let id = request.taskID
        let idemPath = idempotencyKey.map { "\(idemDir)/\(Self.idempotencyHash($0))" }
        if let idemPath, let existing = resolveIdempotency(idemPath) { return .existing(existing) }

        let staging = "\(tmpDir)/\(id)"
        var committed = false
        defer { if !committed { FileIO.remove(staging); FileIO.remove(jobDir(id)); FileIO.remove(statusPath(id)) } }
        try FileIO.makeDirectory(staging, mode: 0o700)
        var req = request
        req.idempotencyHash = idempotencyKey.map(Self.idempotencyHash)
        if let image, let ext = imageExtension {
            req.imageFile = "image.\(ext)"
            try FileIO.writeAtomically(image, to: "\(staging)/image.\(ext)", mode: 0o600, syncDirectory: false)
        }
        try FileIO.writeAtomically(SpoolJSON.encoder().encode(req), to: "\(staging)/request.json", mode: 0o600, syncDirectory: false)
        FileIO.syncDirectory(staging)
        guard rename(staging, jobDir(id)) == 0 else { throw FileIO.Failure("cannot move job into", jobsDir) }
        FileIO.syncDirectory(jobsDir)
        try writeStatus(status)

        if let idemPath {
            // link() fails if the key exists: exactly one of two racing requests wins.
            let tmp = "\(tmpDir)/idem-\(id)"
            try FileIO.writeAtomically(Array(id.utf8), to: tmp, mode: 0o600, syncDirectory: false)
            defer { unlink(tmp) }
            if link(tmp, idemPath) != 0 {
                if errno == EEXIST, let existing = resolveIdempotency(idemPath, wait: true) {
                    return .existing(existing)  // the deferred cleanup removes our copy
                }
                throw FileIO.Failure("cannot record idempotency key in", idemDir)
            }
        }
        if idemPath != nil { FileIO.syncDirectory(idemDir) }
        // The queue marker needs no fsync: `reap` re-queues any `queued` job that lost its marker.
        try FileIO.touch("\(queueDir)/\(id)")
        committed = true
        return .created(status)
    }

    private func resolveIdempotency(_ path: String, wait: Bool = false) -> StatusDocument? {
        for _ in 0..<(wait ? 50 : 1) {
            if let b = FileIO.read(path), let id = String(bytes: b, encoding: .utf8), let doc = readStatus(id) { return doc }
            if !wait { break }
            usleep(20_000)
        }
        return nil
    }

    /// Keys are stored hashed: any byte string is a safe file name that way.
    public static func idempotencyHash(_ key: String) -> String {
        SHA256.hash(data: Data(key.utf8)).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    // MARK: spend ledger

    /// Records money spent on a job, in the UTC day it was spent. Append-only: deleting a job
    /// from the library does not give the money back.
    public func recordSpend(jobID: String, usd: Double, at date: Date) {
        let line = Array("\(jobID) \(usd)\n".utf8)
        let fd = open("\(ledgerDir)/\(Self.day(date))", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        try? FileIO.writeAll(fd, line, path: ledgerDir)
    }

    /// Total spent in the UTC day of `date` (one small file, however large the library).
    public func spend(on date: Date) -> Double {
        guard let bytes = FileIO.read("\(ledgerDir)/\(Self.day(date))") else { return 0 }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n")
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    static func day(_ date: Date) -> String { String(SpoolJSON.isoString(date).prefix(10)) }

    // MARK: queue

    /// Queued job ids, oldest first.
    public func queuedJobs() -> [String] { FileIO.list(queueDir).filter(JobID.isValid).sorted() }

    public func dequeue(_ id: String) { unlink("\(queueDir)/\(id)") }

    /// How many of the `maxWorkers` slot locks are held right now (running workers).
    public func runningWorkers(max maxWorkers: Int) -> Int {
        (0..<maxWorkers).filter { FileLock.isHeld("\(slotsDir)/\($0)") }.count
    }

    public func enqueue(_ id: String) throws { try FileIO.touch("\(queueDir)/\(id)") }

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
        unlink(statusPath(id))
        dequeue(id)
        if let hash { unlink("\(idemDir)/\(hash)") }
        FileIO.remove(jobDir(id))
    }
}
