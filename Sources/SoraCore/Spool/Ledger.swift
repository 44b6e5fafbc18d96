#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Money per job and UTC day, as append-only lines `<job> <op> <usd>` in `ledger/<YYYY-MM-DD>`.
/// A job's money is always booked on the day it was submitted (its hold), whatever day it settles.
///
/// - `hold`: the estimate, reserved at submit (counts against the budget, not as spent);
/// - `charge`: the upstream accepted the job (the estimate counts as spent);
/// - `settle`: the final price from the upstream's usage;
/// - `release`: not billed after all.
///
/// The last line of a job wins. Every write takes the day's `flock`, so a budget check and its
/// hold are one step across any number of responder processes. Lines are one `write(2)` each on
/// an `O_APPEND` descriptor, so concurrent writers never interleave inside a line.
public struct Ledger: Sendable {
    public let dir: String

    public init(dir: String) { self.dir = dir }

    public enum Op: String, Sendable { case hold, charge, settle, release }

    /// What a day's lines add up to.
    public struct Summary: Sendable, Equatable, Encodable {
        /// Charged or settled.
        public var spentUSD: Double = 0
        /// Held, not yet accepted upstream.
        public var reservedUSD: Double = 0
        enum CodingKeys: String, CodingKey { case spentUSD = "spent_usd", reservedUSD = "reserved_usd" }
    }

    /// The answer to "may this job be held?".
    public enum Hold: Sendable, Equatable {
        case held
        /// Over the cap: what is left of the day's budget.
        case overBudget(leftUSD: Double)
    }

    public static func day(_ date: Date) -> String { String(SpoolJSON.isoString(date).prefix(10)) }

    func path(_ day: String) -> String { "\(dir)/\(day)" }

    /// Holds `usd` for `job` on `day` if the day's spent + reserved + `usd` stays within `budget`
    /// (nil: no cap). Check and write happen under the day's lock.
    public func hold(job: String, usd: Double, day: String, budget: Double?) throws -> Hold {
        try locked(day) {
            if let budget {
                let s = summary(day: day)
                let left = budget - s.spentUSD - s.reservedUSD
                if usd > left + 1e-9 { return .overBudget(leftUSD: max(0, PriceRule.round(left))) }
            }
            try append(job: job, op: .hold, usd: usd, day: day)
            return .held
        }
    }

    /// Books `op` for `job`. Throws when the line could not be written: callers must not drop it.
    public func record(job: String, op: Op, usd: Double, day: String) throws {
        try locked(day) { try append(job: job, op: op, usd: usd, day: day) }
    }

    /// Sums a day: the last line of each job. A process remembers what it has read of each file
    /// and reads only the lines appended since (ledgers only grow): summing the whole day on every
    /// submit made a submit's cost grow with the day's jobs.
    public func summary(day: String) -> Summary {
        let path = path(day)
        return ledgerTallies.withLock { tallies in
            var tally = tallies[path] ?? LedgerTally()
            tally.catchUp(path)
            if tallies[path] == nil && tallies.count >= 2 { tallies.removeAll() }  // a responder lives for days
            tallies[path] = tally
            return tally.summary
        }
    }

    func append(job: String, op: Op, usd: Double, day: String) throws {
        let line = Array("\(job) \(op.rawValue) \(PriceRule.round(usd))\n".utf8)
        let fd = open(path(day), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileIO.Failure("cannot open ledger", path(day)) }
        defer { close(fd) }
        let n = line.withUnsafeBytes { write(fd, $0.baseAddress!, line.count) }
        guard n == line.count else { throw FileIO.Failure("cannot write ledger", path(day)) }
        guard fsync(fd) == 0 else { throw FileIO.Failure("cannot fsync ledger", path(day)) }
    }

    func locked<T>(_ day: String, _ body: () throws -> T) throws -> T {
        let fd = open(path(day) + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileIO.Failure("cannot open ledger lock", path(day)) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 { guard errno == EINTR else { throw FileIO.Failure("cannot lock ledger", path(day)) } }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}

/// Each process's running sums, by ledger file.
private let ledgerTallies = Mutex<[String: LedgerTally]>([:])

/// One ledger file as far as this process has read it, with its sums in ten-thousandths of a USD
/// (prices are rounded to that), so adding and taking back a job's amount never drifts.
struct LedgerTally {
    var file: FileIdentity?
    var offset = 0
    var last: [String: (op: Ledger.Op, units: Int64)] = [:]
    var spent: Int64 = 0
    var reserved: Int64 = 0

    var summary: Ledger.Summary { Ledger.Summary(spentUSD: Double(spent) / 10_000, reservedUSD: Double(reserved) / 10_000) }

    /// Reads the complete lines written since the last call; starts over if the file was replaced.
    mutating func catchUp(_ path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { self = LedgerTally(); return }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return }
        if FileIdentity(st) != file || Int(st.st_size) < offset {
            self = LedgerTally()
            file = FileIdentity(st)
        }
        let size = Int(st.st_size)
        guard size > offset else { return }
        var bytes = [UInt8](repeating: 0, count: size - offset)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, off_t(offset)) }
        guard n > 0, let end = bytes[..<n].lastIndex(of: UInt8(ascii: "\n")) else { return }
        offset += end + 1
        for line in String(decoding: bytes[...end], as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: " ")
            switch f.count {
            case 2: if let v = Double(f[1]) { book(f[0], .charge, v) }  // the first release's `<id> <usd>`
            case 3: if let op = Ledger.Op(rawValue: String(f[1])), let v = Double(f[2]) { book(f[0], op, v) }
            default: continue
            }
        }
    }

    /// The job's new last line replaces what its previous one added.
    mutating func book(_ job: Substring, _ op: Ledger.Op, _ usd: Double) {
        let job = String(job)
        if let old = last[job] { add(old.op, -old.units) }
        let units = Int64((usd * 10_000).rounded())
        last[job] = (op, units)
        add(op, units)
    }

    mutating func add(_ op: Ledger.Op, _ units: Int64) {
        switch op {
        case .hold: reserved += units
        case .charge, .settle: spent += units
        case .release: break
        }
    }
}
