#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

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

    /// Sums a day: the last line of each job.
    public func summary(day: String) -> Summary {
        var last: [Substring: (Op, Double)] = [:]
        guard let bytes = FileIO.read(path(day)) else { return Summary() }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: " ")
            switch f.count {
            case 2: if let v = Double(f[1]) { last[f[0]] = (.charge, v) }  // the first release's `<id> <usd>`
            case 3: if let op = Op(rawValue: String(f[1])), let v = Double(f[2]) { last[f[0]] = (op, v) }
            default: continue
            }
        }
        var s = Summary()
        for (op, v) in last.values {
            switch op {
            case .hold: s.reservedUSD += v
            case .charge, .settle: s.spentUSD += v
            case .release: break
            }
        }
        s.spentUSD = PriceRule.round(s.spentUSD)
        s.reservedUSD = PriceRule.round(s.reservedUSD)
        return s
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
