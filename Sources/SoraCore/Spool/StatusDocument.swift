import Foundation

/// Lifecycle of a job. Terminal states never change again (except a transfer retry
/// of a `failed/transfer` job whose upstream link is still valid).
public enum JobState: String, Codable, Sendable {
    case queued, generating, transferring, succeeded, failed

    public var isTerminal: Bool { self == .succeeded || self == .failed }

    /// Whether moving from `self` to `next` is a legal step.
    public func canMove(to next: JobState) -> Bool {
        switch (self, next) {
        case (.queued, .generating), (.queued, .failed), (.queued, .transferring): return true
        case (.generating, .generating), (.generating, .transferring), (.generating, .failed): return true
        case (.transferring, .transferring), (.transferring, .succeeded), (.transferring, .failed): return true
        case (.failed, .transferring): return true  // retry-transfer / reaper resume while the link is valid
        default: return false
        }
    }
}

/// Why a job failed; the page explains each kind to the user.
public enum FailureKind: String, Codable, Sendable {
    case moderation, streamCut = "stream_cut", upstream, timeout, noLink = "no_link"
    case transfer, config, interrupted
}

/// A failure as shown to the user: a kind, a friendly message, and the technical detail.
public struct JobFailure: Codable, Sendable, Equatable, Error {
    public var kind: FailureKind
    public var message: String
    public var detail: String?

    public init(kind: FailureKind, message: String, detail: String? = nil) {
        self.kind = kind; self.message = message; self.detail = detail
    }
}

/// The public status document: the file nginx serves at `status_url`, and the answer of
/// `GET /api/status/{id}`. Never holds the API key, the upstream link or image data.
public struct StatusDocument: Codable, Sendable, Equatable {
    /// Increases with every write, so a poller can tell a new document from an old one.
    public var seq: Int
    public var taskID: String
    public var status: JobState
    /// 0–100, never decreases.
    public var progress: Double
    /// Latest upstream progress text, trimmed.
    public var stage: String
    public var model: String
    public var upstreamModel: String
    public var mode: GenerationMode
    public var duration: Int
    public var width: Int
    public var height: Int
    public var origPrompt: String
    public var actualPrompt: String
    public var statusURL: String
    public var videoURL: String?
    /// The stored object's key; lets answers for a private bucket carry a freshly signed URL.
    public var videoKey: String?
    public var upstreamTaskID: String?
    public var upstreamURLExpiresAt: Date?
    public var sizeBytes: Int64?
    public var costUSD: Double
    public var error: JobFailure?
    public var createdAt: Date
    public var updatedAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var heartbeatAt: Date?

    enum CodingKeys: String, CodingKey {
        case seq, status, progress, stage, model, mode, duration, width, height, error
        case taskID = "task_id"
        case upstreamModel = "upstream_model"
        case origPrompt = "orig_prompt"
        case actualPrompt = "actual_prompt"
        case statusURL = "status_url"
        case videoURL = "video_url"
        case videoKey = "video_key"
        case upstreamTaskID = "upstream_task_id"
        case upstreamURLExpiresAt = "upstream_url_expires_at"
        case sizeBytes = "size_bytes"
        case costUSD = "cost_usd"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case heartbeatAt = "heartbeat_at"
    }
}
