#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The static change feed (docs/contract.md §7): a small JSON file in `status/` under an
/// unguessable name, rewritten on every job event so other tabs and admins see new jobs,
/// progress, deletions and the day's spend without any Swift on their polling path.
/// It is derived data: a failed write is logged and the page recovers by reloading its list.
public struct Feed: Sendable {
    public let spool: Spool
    /// How many events the file keeps.
    public static let keep = 200

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
        if let b = FileIO.read(path), b.count == 32 { return "feed-\(String(decoding: b, as: UTF8.self)).json" }
        var token = ""
        for _ in 0..<16 { let v = UInt8.random(in: 0...255); token += (v < 16 ? "0" : "") + String(v, radix: 16) }
        // link() publishes the token once: of two racing processes, the first one's wins.
        let tmp = path + ".\(getpid()).tmp"
        guard (try? FileIO.writeAtomically(Array(token.utf8), to: tmp, mode: 0o600)) != nil else { return nil }
        defer { unlink(tmp) }
        _ = link(tmp, path)
        guard let b = FileIO.read(path), b.count == 32 else { return nil }
        return "feed-\(String(decoding: b, as: UTF8.self)).json"
    }

    /// Today's spend against the budget (nil budget: no cap).
    public static func spend(_ ledger: Ledger, budget: Double?, now: Date) -> Spend {
        let s = ledger.summary(day: Ledger.day(now))
        return Spend(todayUSD: s.spentUSD, reservedUSD: s.reservedUSD, budgetUSD: budget,
                     leftUSD: budget.map { max(0, PriceRule.round($0 - s.spentUSD - s.reservedUSD)) })
    }

    /// The feed's events, one JSON text a line after a first line holding the last `seq`, so the
    /// next event appends a line instead of decoding and re-encoding the whole feed (which was a
    /// third of a submit's CPU). The feed file is written from it.
    var eventsPath: String { spool.privateDir + "/feed-events" }

    /// Appends one event (and refreshes the spend) under the feed's lock.
    public func record(_ type: EventType, _ doc: StatusDocument, now: Date = Date()) {
        guard let name = fileName() else { return }
        let path = "\(spool.statusDir)/\(name)"
        let lockFD = open(spool.privateDir + "/feed.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockFD >= 0 else { return }
        defer { close(lockFD) }
        guard flock(lockFD, LOCK_EX) == 0 else { return }
        defer { flock(lockFD, LOCK_UN) }
        var (seq, lines) = readEvents() ?? migrate(from: path)
        seq += 1
        let event = Event(seq: seq, type: type, job: doc.taskID, status: type == .deleted ? nil : doc.status,
                          progress: type == .deleted ? nil : doc.progress)
        let spend = Self.spend(spool.ledger, budget: spool.dailyBudget, now: now)
        let encoder = SpoolJSON.encoder()
        guard let line = try? encoder.encode(event), let spendJSON = try? encoder.encode(spend) else { return }
        lines.append(Array(line))
        if lines.count > Self.keep { lines.removeFirst(lines.count - Self.keep) }
        // Keys in sorted order, as the encoder writes them.
        var feed = Array(#"{"events":["#.utf8)
        for (i, l) in lines.enumerated() { if i > 0 { feed.append(UInt8(ascii: ",")) }; feed += l }
        feed += Array(#"],"seq":\#(seq),"spend":"#.utf8) + spendJSON + Array(#","updated_at":"\#(SpoolJSON.isoString(now))"}"#.utf8)
        var side = Array("\(seq)\n".utf8)
        for l in lines { side += l; side.append(UInt8(ascii: "\n")) }
        // No fsync: a feed lost in a crash only makes readers reload their list.
        do {
            try FileIO.writeAtomically(side, to: eventsPath, mode: 0o600, syncDirectory: false, durable: false)
            try FileIO.writeAtomically(feed, to: path, mode: 0o644, syncDirectory: false, durable: false)
        } catch {
            EventLog(path: spool.eventsLog).write("feed_write_failed", job: doc.taskID, fields: ["error": "\(error)"])
        }
    }

    /// The side file's last `seq` and event lines, or nil when it is missing or unreadable.
    func readEvents() -> (Int, [[UInt8]])? {
        guard let bytes = FileIO.read(eventsPath) else { return nil }
        let parts = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        guard let first = parts.first, let seq = Int(String(decoding: first, as: UTF8.self)) else { return nil }
        return (seq, parts.dropFirst().map(Array.init))
    }

    /// Without the side file (a spool from before it, or one lost in a crash): the events of the
    /// feed file itself, so `seq` keeps rising for the readers.
    func migrate(from path: String) -> (Int, [[UInt8]]) {
        guard let bytes = FileIO.read(path), let doc = try? SpoolJSON.decoder().decode(Document.self, from: Data(bytes)) else { return (0, []) }
        let encoder = SpoolJSON.encoder()
        return (doc.seq, doc.events.compactMap { try? encoder.encode($0) }.map(Array.init))
    }
}
