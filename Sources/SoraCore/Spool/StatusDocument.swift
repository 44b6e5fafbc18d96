#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The public status document: the file nginx serves at `status_url`, and the answer of
/// `GET /api/status/{id}` (docs/contract.md §4). Never holds a key, an upstream URL or image data.
public struct StatusDocument: Codable, Sendable, Equatable {
    /// Increases with every write, so a poller can tell a new document from an old one.
    public var seq: Int
    public var taskID: String
    public var status: JobState
    public var phase: JobPhase
    /// 1-based place in our local queue while `phase == .queued`.
    public var queuePosition: Int?
    /// 0–100, never decreases.
    public var progress: Double
    /// The upstream's raw progress text, trimmed (for the folded details only).
    public var stage: String
    public var model: String
    public var upstreamModel: String
    public var `protocol`: UpstreamProtocolName
    public var mode: GenerationMode
    public var params: [String: JSONScalar]
    public var duration: Int
    public var width: Int
    public var height: Int
    public var origPrompt: String
    public var actualPrompt: String
    public var statusURL: String
    public var videoURL: String?
    /// The stored object's key; lets answers for a private bucket carry a freshly signed URL.
    public var videoKey: String?
    public var posterURL: String?
    public var posterKey: String?
    public var upstreamTaskID: String?
    public var linkExpiresAt: Date?
    public var linkExpiryEstimated: Bool?
    public var sizeBytes: Int64?
    /// The estimate shown before submit.
    public var priceUSD: Double
    public var costUSD: Double
    public var costState: CostState
    public var usage: Usage?
    public var canCancel: Bool
    public var canRetry: Bool
    public var error: JobFailure?
    public var createdAt: Date
    public var updatedAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var heartbeatAt: Date?

    /// Where the job's money stands (docs/contract.md §4).
    public enum CostState: String, Codable, Sendable {
        /// Nothing billed (the estimate may be held against the budget until the upstream answers).
        case none
        /// The upstream accepted the job: the estimate counts as spent.
        case reserved
        /// Final, from the upstream's reported usage.
        case settled
        /// Not billed after all (refused, cancelled, or failed where the vendor does not bill).
        case released
    }

    public init(seq: Int, taskID: String, status: JobState, phase: JobPhase, model: String, upstreamModel: String,
                protocol: UpstreamProtocolName, mode: GenerationMode, params: [String: JSONScalar], duration: Int,
                width: Int, height: Int, origPrompt: String, statusURL: String, priceUSD: Double, createdAt: Date) {
        self.seq = seq; self.taskID = taskID; self.status = status; self.phase = phase; self.progress = 0; self.stage = ""
        self.model = model; self.upstreamModel = upstreamModel; self.protocol = `protocol`; self.mode = mode
        self.params = params; self.duration = duration; self.width = width; self.height = height
        self.origPrompt = origPrompt; self.actualPrompt = origPrompt; self.statusURL = statusURL
        self.priceUSD = priceUSD; self.costUSD = 0; self.costState = .none; self.canCancel = true; self.canRetry = false
        self.createdAt = createdAt; self.updatedAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case seq, status, phase, progress, stage, model, mode, params, duration, width, height, error, usage
        case `protocol`
        case taskID = "task_id"
        case queuePosition = "queue_position"
        case upstreamModel = "upstream_model"
        case origPrompt = "orig_prompt"
        case actualPrompt = "actual_prompt"
        case statusURL = "status_url"
        case videoURL = "video_url"
        case videoKey = "video_key"
        case posterURL = "poster_url"
        case posterKey = "poster_key"
        case upstreamTaskID = "upstream_task_id"
        case linkExpiresAt = "link_expires_at"
        case linkExpiryEstimated = "link_expiry_estimated"
        case sizeBytes = "size_bytes"
        case priceUSD = "price_usd"
        case costUSD = "cost_usd"
        case costState = "cost_state"
        case canCancel = "can_cancel"
        case canRetry = "can_retry"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case heartbeatAt = "heartbeat_at"
        case legacyExpiresAt = "upstream_url_expires_at"
    }

    /// Reads current documents and the first release's (no phase, protocol, params or cost state).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        seq = try c.decode(Int.self, forKey: .seq)
        taskID = try c.decode(String.self, forKey: .taskID)
        status = try c.decode(JobState.self, forKey: .status)
        phase = try c.decodeIfPresent(JobPhase.self, forKey: .phase) ?? Self.legacyPhase(status)
        queuePosition = try c.decodeIfPresent(Int.self, forKey: .queuePosition)
        progress = try c.decode(Double.self, forKey: .progress)
        stage = try c.decodeIfPresent(String.self, forKey: .stage) ?? ""
        model = try c.decode(String.self, forKey: .model)
        upstreamModel = try c.decode(String.self, forKey: .upstreamModel)
        `protocol` = try c.decodeIfPresent(UpstreamProtocolName.self, forKey: .protocol) ?? .chatStream
        mode = try c.decode(GenerationMode.self, forKey: .mode)
        params = try c.decodeIfPresent([String: JSONScalar].self, forKey: .params) ?? [:]
        duration = try c.decode(Int.self, forKey: .duration)
        width = try c.decode(Int.self, forKey: .width)
        height = try c.decode(Int.self, forKey: .height)
        origPrompt = try c.decode(String.self, forKey: .origPrompt)
        actualPrompt = try c.decodeIfPresent(String.self, forKey: .actualPrompt) ?? origPrompt
        statusURL = try c.decode(String.self, forKey: .statusURL)
        videoURL = try c.decodeIfPresent(String.self, forKey: .videoURL)
        videoKey = try c.decodeIfPresent(String.self, forKey: .videoKey)
        posterURL = try c.decodeIfPresent(String.self, forKey: .posterURL)
        posterKey = try c.decodeIfPresent(String.self, forKey: .posterKey)
        upstreamTaskID = try c.decodeIfPresent(String.self, forKey: .upstreamTaskID)
        linkExpiresAt = try c.decodeIfPresent(Date.self, forKey: .linkExpiresAt) ?? c.decodeIfPresent(Date.self, forKey: .legacyExpiresAt)
        linkExpiryEstimated = try c.decodeIfPresent(Bool.self, forKey: .linkExpiryEstimated)
        sizeBytes = try c.decodeIfPresent(Int64.self, forKey: .sizeBytes)
        costUSD = try c.decodeIfPresent(Double.self, forKey: .costUSD) ?? 0
        priceUSD = try c.decodeIfPresent(Double.self, forKey: .priceUSD) ?? costUSD
        costState = try c.decodeIfPresent(CostState.self, forKey: .costState) ?? (costUSD > 0 ? .reserved : .none)
        usage = try c.decodeIfPresent(Usage.self, forKey: .usage)
        canCancel = try c.decodeIfPresent(Bool.self, forKey: .canCancel) ?? (status == .queued)
        canRetry = try c.decodeIfPresent(Bool.self, forKey: .canRetry) ?? false
        error = try c.decodeIfPresent(JobFailure.self, forKey: .error)
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        updatedAt = try c.decode(Date.self, forKey: .updatedAt)
        startedAt = try c.decodeIfPresent(Date.self, forKey: .startedAt)
        finishedAt = try c.decodeIfPresent(Date.self, forKey: .finishedAt)
        heartbeatAt = try c.decodeIfPresent(Date.self, forKey: .heartbeatAt)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(seq, forKey: .seq); try c.encode(taskID, forKey: .taskID); try c.encode(status, forKey: .status)
        try c.encode(phase, forKey: .phase); try c.encode(queuePosition, forKey: .queuePosition)
        try c.encode(progress, forKey: .progress); try c.encode(stage, forKey: .stage); try c.encode(model, forKey: .model)
        try c.encode(upstreamModel, forKey: .upstreamModel); try c.encode(`protocol`, forKey: .protocol)
        try c.encode(mode, forKey: .mode); try c.encode(params, forKey: .params); try c.encode(duration, forKey: .duration)
        try c.encode(width, forKey: .width); try c.encode(height, forKey: .height)
        try c.encode(origPrompt, forKey: .origPrompt); try c.encode(actualPrompt, forKey: .actualPrompt)
        try c.encode(statusURL, forKey: .statusURL); try c.encode(videoURL, forKey: .videoURL)
        try c.encode(videoKey, forKey: .videoKey); try c.encode(posterURL, forKey: .posterURL)
        try c.encodeIfPresent(posterKey, forKey: .posterKey)
        try c.encode(upstreamTaskID, forKey: .upstreamTaskID); try c.encode(linkExpiresAt, forKey: .linkExpiresAt)
        try c.encode(linkExpiryEstimated, forKey: .linkExpiryEstimated); try c.encode(sizeBytes, forKey: .sizeBytes)
        try c.encode(priceUSD, forKey: .priceUSD); try c.encode(costUSD, forKey: .costUSD)
        try c.encode(costState, forKey: .costState); try c.encode(usage, forKey: .usage)
        try c.encode(canCancel, forKey: .canCancel); try c.encode(canRetry, forKey: .canRetry)
        try c.encode(error, forKey: .error); try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt); try c.encode(startedAt, forKey: .startedAt)
        try c.encode(finishedAt, forKey: .finishedAt); try c.encode(heartbeatAt, forKey: .heartbeatAt)
    }

    static func legacyPhase(_ s: JobState) -> JobPhase {
        switch s {
        case .queued: .queued
        case .generating: .generating
        case .transferring: .downloading
        case .succeeded: .done
        case .failed: .failed
        case .cancelled: .cancelled
        }
    }
}
