#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A first or last frame: a file in the job directory (uploaded), or an https URL.
public struct FrameInput: Codable, Sendable, Equatable {
    /// File name inside the job directory (`first.png`).
    public var file: String?
    public var mime: String?
    public var url: String?

    public init(file: String? = nil, mime: String? = nil, url: String? = nil) { self.file = file; self.mime = mime; self.url = url }
}

/// The private part of a job, written once by `generate`, never served by nginx. It pins the
/// upstream identity (protocol, base URL, key setting, model) so a later configuration change
/// can never send a resumed job's polls elsewhere.
public struct JobRequest: Codable, Sendable, Equatable {
    public var taskID: String
    public var model: String
    public var upstreamModel: String
    public var `protocol`: UpstreamProtocolName
    /// The resolved API root (absolute).
    public var baseURL: String
    /// The setting that holds the key (never the key itself).
    public var apiKeyEnv: String
    public var prompt: String
    public var mode: GenerationMode
    /// Every parameter, defaults filled in.
    public var params: [String: JSONScalar]
    public var firstFrame: FrameInput?
    public var lastFrame: FrameInput?
    /// The estimate reserved at submit.
    public var priceUSD: Double
    public var deadlineSeconds: Int
    public var createdAt: Date
    /// SHA-256 of the Idempotency-Key, if one was sent (so deleting the job can drop it).
    public var idempotencyHash: String?

    enum CodingKeys: String, CodingKey {
        case model, prompt, mode, params, `protocol`
        case taskID = "task_id"
        case upstreamModel = "upstream_model"
        case baseURL = "base_url"
        case apiKeyEnv = "api_key_env"
        case firstFrame = "first_frame"
        case lastFrame = "last_frame"
        case priceUSD = "price_usd"
        case deadlineSeconds = "deadline_seconds"
        case createdAt = "created_at"
        case idempotencyHash = "idempotency_hash"
        // The first release's fields.
        case imageFile = "image_file", imageMIME = "image_mime", imageURL = "image_url"
    }

    public init(taskID: String, model: String, upstreamModel: String, protocol: UpstreamProtocolName, baseURL: String,
                apiKeyEnv: String, prompt: String, mode: GenerationMode, params: [String: JSONScalar],
                firstFrame: FrameInput? = nil, lastFrame: FrameInput? = nil, priceUSD: Double, deadlineSeconds: Int,
                createdAt: Date, idempotencyHash: String? = nil) {
        self.taskID = taskID; self.model = model; self.upstreamModel = upstreamModel; self.protocol = `protocol`
        self.baseURL = baseURL; self.apiKeyEnv = apiKeyEnv; self.prompt = prompt; self.mode = mode; self.params = params
        self.firstFrame = firstFrame; self.lastFrame = lastFrame; self.priceUSD = priceUSD
        self.deadlineSeconds = deadlineSeconds; self.createdAt = createdAt; self.idempotencyHash = idempotencyHash
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        taskID = try c.decode(String.self, forKey: .taskID)
        model = try c.decode(String.self, forKey: .model)
        upstreamModel = try c.decode(String.self, forKey: .upstreamModel)
        `protocol` = try c.decodeIfPresent(UpstreamProtocolName.self, forKey: .protocol) ?? .chatStream
        baseURL = try c.decodeIfPresent(String.self, forKey: .baseURL) ?? ""
        apiKeyEnv = try c.decodeIfPresent(String.self, forKey: .apiKeyEnv) ?? "SORA_API_KEY"
        prompt = try c.decode(String.self, forKey: .prompt)
        params = try c.decodeIfPresent([String: JSONScalar].self, forKey: .params) ?? [:]
        firstFrame = try c.decodeIfPresent(FrameInput.self, forKey: .firstFrame)
        if firstFrame == nil {
            let file = try c.decodeIfPresent(String.self, forKey: .imageFile)
            let url = try c.decodeIfPresent(String.self, forKey: .imageURL)
            if file != nil || url != nil {
                firstFrame = FrameInput(file: file, mime: try c.decodeIfPresent(String.self, forKey: .imageMIME), url: url)
            }
        }
        lastFrame = try c.decodeIfPresent(FrameInput.self, forKey: .lastFrame)
        mode = try c.decodeIfPresent(GenerationMode.self, forKey: .mode)
            ?? (firstFrame == nil ? .textToVideo : lastFrame == nil ? .imageToVideo : .firstLastFrame)
        priceUSD = try c.decodeIfPresent(Double.self, forKey: .priceUSD) ?? 0
        deadlineSeconds = try c.decodeIfPresent(Int.self, forKey: .deadlineSeconds) ?? 1800
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        idempotencyHash = try c.decodeIfPresent(String.self, forKey: .idempotencyHash)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(taskID, forKey: .taskID); try c.encode(model, forKey: .model)
        try c.encode(upstreamModel, forKey: .upstreamModel); try c.encode(`protocol`, forKey: .protocol)
        try c.encode(baseURL, forKey: .baseURL); try c.encode(apiKeyEnv, forKey: .apiKeyEnv)
        try c.encode(prompt, forKey: .prompt); try c.encode(mode, forKey: .mode); try c.encode(params, forKey: .params)
        try c.encodeIfPresent(firstFrame, forKey: .firstFrame); try c.encodeIfPresent(lastFrame, forKey: .lastFrame)
        try c.encode(priceUSD, forKey: .priceUSD); try c.encode(deadlineSeconds, forKey: .deadlineSeconds)
        try c.encode(createdAt, forKey: .createdAt); try c.encodeIfPresent(idempotencyHash, forKey: .idempotencyHash)
    }
}
