#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The static change feed (docs/contract.md §7): a small JSON file in `status/` under an
/// unguessable name, rewritten on every job event so other tabs and admins see new jobs,
/// progress, deletions and the day's spend without any Swift on their polling path.
/// It is derived data: a failed write is logged and the page recovers by reloading its list.
public struct Feed: Sendable {
    public let spool: Spool
    /// How many events the file keeps.
    public static let keep = 200

    /// Tests only: runs between a write and the unlock that follows it.
    var beforeUnlock: (@Sendable () -> Void)? = nil

    public init(spool: Spool) { self.spool = spool }

    public enum EventType: String, Codable, Sendable { case created, updated, deleted }

    public struct Event: Codable, Sendable, Equatable {
        public var seq: Int
        public var type: EventType
        public var job: String
        public var status: JobState?
        public var progress: Double?
    }

    /// The spend part of the feed and of `/api/session`.
    public struct Spend: Codable, Sendable, Equatable {
        public var todayUSD: Double
        public var reservedUSD: Double
        public var budgetUSD: Double?
        public var leftUSD: Double?
        enum CodingKeys: String, CodingKey {
            case todayUSD = "today_usd", reservedUSD = "reserved_usd", budgetUSD = "budget_usd", leftUSD = "left_usd"
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(todayUSD, forKey: .todayUSD); try c.encode(reservedUSD, forKey: .reservedUSD)
            try c.encode(budgetUSD, forKey: .budgetUSD); try c.encode(leftUSD, forKey: .leftUSD)
        }
    }

    struct Document: Codable {
        var seq: Int
        var updatedAt: Date
        var spend: Spend
        var events: [Event]
        enum CodingKeys: String, CodingKey { case seq, spend, events; case updatedAt = "updated_at" }
    }

    /// The feed's file name: `feed-<32 hex>.json`, the token made once per spool.
    public func fileName() -> String? {
        let path = spool.privateDir + "/feed-token"
        // Every event asks: a stat tells whether the token this process read is still the one
        // in place, instead of opening and reading the file each time.
        var st = stat()
        if stat(path, &st) == 0, let known = knownFeedNames.withLock({ $0[path] }), known.file == FileIdentity(st) {
            return known.name
        }
        if let name = readToken(path) { return name }
        let token = Hex.string((0..<16).map { _ in UInt8.random(in: 0...255) })
        // link() publishes the token once: of two racing processes, the first one's wins.
        let tmp = path + ".\(getpid()).tmp"
        guard (try? FileIO.writeAtomically(Array(token.utf8), to: tmp, mode: 0o600)) != nil else { return nil }
        defer { unlink(tmp) }
        _ = link(tmp, path)
        return readToken(path)
    }

    /// The feed's name from the token file, noted with the file it was read from.
    private func readToken(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        let token = FileIO.readFD(fd, limit: 64)
        guard token.count == 32, fstat(fd, &st) == 0 else { return nil }
        let name = "feed-\(String(decoding: token, as: UTF8.self)).json"
        knownFeedNames.withLock { $0[path] = (FileIdentity(st), name) }
        return name
    }

    /// Today's spend against the budget (nil budget: no cap).
    public static func spend(_ ledger: Ledger, budget: Double?, now: Date) -> Spend {
        let s = ledger.summary(day: Ledger.day(now))
        return Spend(todayUSD: s.spentUSD, reservedUSD: s.reservedUSD, budgetUSD: budget,
                     leftUSD: budget.map { max(0, PriceRule.round($0 - s.spentUSD - s.reservedUSD)) })
    }

    /// Events waiting for the feed's writer, one `type job status progress` line each.
    var pendingPath: String { spool.privateDir + "/feed-pending" }
    var lockPath: String { spool.privateDir + "/feed.lock" }

    /// Set by a responder: `record` only queues the event, and the responder writes the feed
    /// once its answer has gone (`writePending`), so that no submit waits for the feed.
    public static let writesAfterAnswer = Atomic<Bool>(false)

    /// Queues one event, then writes the feed unless another process is writing it: that one
    /// takes every waiting event in the same write. In a burst of submits the feed is written
    /// once per handful of events instead of once each (it was a third of a submit's cost).
    public func record(_ type: EventType, _ doc: StatusDocument, now: Date = Date()) {
        guard let name = fileName() else { return }
        let status = type == .deleted ? "-" : doc.status.rawValue
        let progress = type == .deleted || !doc.progress.isFinite ? "-" : "\(doc.progress)"
        guard append(Array("\(type.rawValue) \(doc.taskID) \(status) \(progress)\n".utf8)) else {
            EventLog(path: spool.eventsLog).write("feed_write_failed", job: doc.taskID, fields: ["error": "cannot queue the event"])
            return
        }
        if Self.writesAfterAnswer.load(ordering: .relaxed) { return }
        drain(into: name, now: now)
    }

    /// Writes the waiting events into the feed, if there are any.
    public func writePending(now: Date = Date()) {
        guard hasPending(), let name = fileName() else { return }
        drain(into: name, now: now)
    }

    private func hasPending() -> Bool {
        var st = stat()
        return stat(pendingPath, &st) == 0 && st.st_size > 0
    }

    /// Writes the waiting events into the feed file `name`, unless another process is writing it.
    private func drain(into name: String, now: Date) {
        while let lock = FileLock.tryLock(lockPath) {
            write(to: "\(spool.statusDir)/\(name)", now: now)
            beforeUnlock?()
            lock.release()
            // A process that appended after our write found the lock still taken and left its
            // event to us: look once more (if it takes the lock first, it writes instead).
            guard hasPending() else { return }
        }
    }

    /// Appends under the pending file's own lock, which the writer holds while it takes the lines.
    private func append(_ line: [UInt8]) -> Bool {
        let fd = open(pendingPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { return false }
        return (try? FileIO.writeAll(fd, line, path: pendingPath)) != nil
    }

    /// The waiting events, taken out of the pending file.
    private func takePending() -> [[UInt8]] {
        let fd = open(pendingPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { return [] }
        let bytes = FileIO.readFD(fd, limit: .max)
        _ = ftruncate(fd, 0)
        return bytes.split(separator: UInt8(ascii: "\n")).map(Array.init)
    }

    /// Writes the feed file with the waiting events (under the feed's lock). The file keeps one
    /// event a line, so the next write reads them back without a JSON decoder.
    private func write(to path: String, now: Date) {
        let pending = takePending()
        guard !pending.isEmpty else { return }
        var (seq, lines) = Self.parse(FileIO.read(path) ?? []) ?? migrate(from: path)
        for entry in pending {
            let f = entry.split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }
            // A line cut by a crash, or from another version: skipped, the readers' lists stay right
            // on the next poll of the job.
            guard f.count == 4, let type = EventType(rawValue: f[0]), JobID.isValid(f[1]) else { continue }
            seq += 1
            var event = #"{"job":"\#(f[1])""#
            if let progress = Double(f[3]), progress.isFinite { event += #","progress":\#(f[3])"# }
            event += #","seq":\#(seq)"#
            if let status = JobState(rawValue: f[2]) { event += #","status":"\#(status.rawValue)""# }
            event += #","type":"\#(type.rawValue)"}"#
            lines.append(Array(event.utf8))
        }
        if lines.count > Self.keep { lines.removeFirst(lines.count - Self.keep) }
        let spend = Self.spend(spool.ledger, budget: spool.dailyBudget, now: now)
        guard let spendJSON = try? SpoolJSON.encoder().encode(spend) else { return }
        // Keys in sorted order, as the encoder writes them; one event a line (see `parse`).
        var feed = Array("{\"events\":[\n".utf8)
        for (i, l) in lines.enumerated() { feed += l; feed += Array((i < lines.count - 1 ? ",\n" : "\n").utf8) }
        feed += Array(#"],"seq":\#(seq),"spend":"#.utf8) + spendJSON + Array(#","updated_at":"\#(SpoolJSON.isoString(now))"}"#.utf8)
        // No fsync: a feed lost in a crash only makes readers reload their list.
        do {
            try FileIO.writeAtomically(feed, to: path, mode: 0o644, syncDirectory: false, durable: false)
        } catch {
            EventLog(path: spool.eventsLog).write("feed_write_failed", job: nil, fields: ["error": "\(error)"])
        }
    }

    /// The last `seq` and the event lines of a feed file this version wrote, or nil (missing,
    /// or another layout).
    static func parse(_ bytes: [UInt8]) -> (Int, [[UInt8]])? {
        let rows = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard rows.count >= 2, rows.first.map(Array.init) == Array("{\"events\":[".utf8), let last = rows.last else { return nil }
        let tail = String(decoding: last, as: UTF8.self)
        guard tail.hasPrefix(#"],"seq":"#), let seq = Int(tail.dropFirst(8).prefix { $0.isNumber }) else { return nil }
        let events = rows.dropFirst().dropLast().map { row -> [UInt8] in
            row.last == UInt8(ascii: ",") ? Array(row.dropLast()) : Array(row)
        }
        return (seq, events)
    }

    /// A feed file in an earlier layout (one line): its events, so `seq` keeps rising for the readers.
    func migrate(from path: String) -> (Int, [[UInt8]]) {
        guard let bytes = FileIO.read(path), let doc = try? SpoolJSON.decoder().decode(Document.self, from: Data(bytes)) else { return (0, []) }
        let encoder = SpoolJSON.encoder()
        return (doc.seq, doc.events.compactMap { try? encoder.encode($0) }.map(Array.init))
    }
}

/// Feed names this process has read, by token file.
private let knownFeedNames = Mutex<[String: (file: FileIdentity, name: String)]>([:])
