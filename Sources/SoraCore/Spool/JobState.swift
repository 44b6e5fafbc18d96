/// Lifecycle of a job. Every change goes through `Spool.transition`, which asks `canMove`.
public enum JobState: String, Codable, Sendable, CaseIterable {
    case queued, generating, transferring, succeeded, failed, cancelled

    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .cancelled }

    /// Whether moving from `self` to `next` is a legal step. Staying in a running state is legal
    /// (progress). A failed job may go back to work only for what was already paid for: the
    /// transfer of its result, or following its existing upstream task — never a new create.
    public func canMove(to next: JobState) -> Bool {
        switch (self, next) {
        case (.queued, .queued), (.queued, .generating), (.queued, .transferring), (.queued, .failed), (.queued, .cancelled):
            return true
        case (.generating, .generating), (.generating, .transferring), (.generating, .failed), (.generating, .cancelled):
            return true
        case (.transferring, .transferring), (.transferring, .succeeded), (.transferring, .failed):
            return true
        case (.failed, .transferring), (.failed, .generating):
            return true
        default:
            return false
        }
    }
}

/// What the page words the stage from (docs/contract.md §4); the upstream's own text stays in `stage`.
public enum JobPhase: String, Codable, Sendable {
    case queued, submitting
    case upstreamQueued = "upstream_queued"
    case generating, downloading, storing, done, failed, cancelled
}

/// A refused status change: a bug or a race, never silently applied.
public struct IllegalTransition: Error, CustomStringConvertible {
    public var from: JobState
    public var to: JobState
    public var description: String { "illegal status change \(from.rawValue) → \(to.rawValue)" }
}
