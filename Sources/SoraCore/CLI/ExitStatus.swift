/// Exit codes of the job commands (`generate`, `batch`, `show`, `cancel`, `retry-transfer`,
/// `download`): succeeded, failed (by kind) and refused are told apart, so a script can react
/// without parsing output. `sora generate --help` and the README print this same table.
public enum ExitStatus: Int32, CaseIterable, Sendable {
    case ok = 0
    /// Some other error of the command itself (a file it could not read or write).
    case error = 1
    /// `batch`: at least one line failed or was refused (see the results file).
    case someFailed = 3

    // The job ran and failed: one code per failure kind (docs/contract.md §5).
    case moderation = 10
    case upstream = 11
    case timeout = 12
    case ambiguous = 13
    case streamCut = 14
    case noLink = 15
    case transfer = 16
    case config = 17
    case interrupted = 18
    case cancelled = 19

    // Refused: no job was made (or the action was not taken).
    case invalid = 20
    case budgetExceeded = 21
    case busy = 22
    case unavailable = 23
    case unauthorized = 24
    case unreachable = 25
    case notFound = 26
    case conflict = 27

    /// ArgumentParser's code for bad usage (EX_USAGE).
    case usage = 64
    /// Ctrl+C while following: detached, the job keeps running.
    case detached = 130

    public var meaning: String {
        switch self {
        case .ok: "succeeded (with --wait), or accepted / done"
        case .error: "the command itself failed (a file it could not read or write)"
        case .someFailed: "batch: some lines failed or were refused (see the results file)"
        case .moderation: "failed: moderation (the gateway refused the prompt, image or result)"
        case .upstream: "failed: upstream (HTTP error, bad key, model unavailable, task failed)"
        case .timeout: "failed: timeout (connect, stall, total or deadline)"
        case .ambiguous: "failed: ambiguous (the create call's outcome is unknown; not resubmitted)"
        case .streamCut: "failed: stream_cut (the chat stream closed before a link)"
        case .noLink: "failed: no_link (finished without a video link)"
        case .transfer: "failed: transfer (download or store; `sora retry-transfer` may help)"
        case .config: "failed: config (no key, a bad base URL, or a gateway certificate not trusted)"
        case .interrupted: "failed: interrupted (the worker died before the link arrived)"
        case .cancelled: "cancelled"
        case .invalid: "refused: invalid request (validation, parameters, Idempotency-Key reuse)"
        case .budgetExceeded: "refused: today's budget is spent (budget_exceeded)"
        case .busy: "refused: busy (queue_full or rate limited); try later"
        case .unavailable: "refused: the service cannot take jobs (spool or storage unavailable, 5xx)"
        case .unauthorized: "refused: not signed in (SORA_ADMIN_TOKEN for --url; locally: config unreadable)"
        case .unreachable: "no answer: the deployment could not be reached"
        case .notFound: "no such job"
        case .conflict: "not possible now (not cancellable, not retryable, still running)"
        case .usage: "bad command line"
        case .detached: "Ctrl+C: stopped following; the job keeps running (nothing was cancelled)"
        }
    }

    /// The code for a job that ended (nil while it runs).
    public static func of(_ doc: StatusDocument) -> ExitStatus? {
        switch doc.status {
        case .succeeded: return .ok
        case .cancelled: return .cancelled
        case .failed: return of(kind: doc.error?.kind ?? .upstream)
        case .queued, .generating, .transferring: return nil
        }
    }

    public static func of(kind: FailureKind) -> ExitStatus {
        switch kind {
        case .moderation: .moderation
        case .upstream: .upstream
        case .timeout: .timeout
        case .ambiguous: .ambiguous
        case .streamCut: .streamCut
        case .noLink: .noLink
        case .transfer: .transfer
        case .config: .config
        case .interrupted: .interrupted
        }
    }

    /// The code for an API error answer.
    public static func of(refusal status: Int, code: String?) -> ExitStatus {
        switch (status, code) {
        case (402, _), (_, "budget_exceeded"?): .budgetExceeded
        case (_, "queue_full"?), (429, _): .busy
        case (401, _), (403, _): .unauthorized
        case (404, _): .notFound
        case (409, _): .conflict
        case (400..<500, _): .invalid
        default: .unavailable
        }
    }

    /// The table for `--help` and the README.
    public static var table: String {
        allCases.map { c in
            let n = String(c.rawValue)
            return String(repeating: " ", count: max(0, 4 - n.count)) + n + "  " + c.meaning
        }.joined(separator: "\n")
    }
}
