#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// One entry of the model catalog, as `GET /api/models` shows it (docs/contract.md §2).
public struct VideoModel: Codable, Sendable, Equatable {
    /// Our id, used by the API and the page (`seedance-2-0`).
    public var id: String
    /// The model name sent upstream (`doubao-seedance-2-0-260128`).
    public var upstreamModel: String
    public var label: String
    public var vendor: String?
    public var description: String
    public var `protocol`: UpstreamProtocolName
    /// API root up to its version segment; the protocol appends its own paths. nil: `SORA_BASE_URL`.
    /// A value starting with `/` is a path on the origin of `SORA_BASE_URL` (one gateway, several
    /// dialects under its own prefixes, as apiyi serves them).
    public var baseURL: String?
    /// The setting holding this model's key (default `SORA_API_KEY`), so gateways can be mixed.
    public var apiKeyEnv: String?
    public var modes: [GenerationMode]
    public var params: [ParamSpec]
    public var price: PriceRule
    /// Our own deadline for the whole generation; unknown upstream statuses count as running until then.
    public var deadlineSeconds: Int
    /// A typical generation time, replaced in answers by what our finished jobs measured.
    public var typicalSeconds: Int
    public var tags: [String]
    /// A retired model stays listed (its videos stay in the library) but cannot be generated.
    public var retired: Bool
    public var notice: String?
    /// Ids of the models that replace a retired one (the page words the notice from them).
    public var replacedBy: [String]
    /// Fixed output of models without size parameters (the Sora chat models).
    public var width: Int?
    public var height: Int?
    public var duration: Int?
    /// Dialect details that are data, not code (`image_input`: `media` | `img_url` for DashScope).
    public var options: [String: String]

    enum CodingKeys: String, CodingKey {
        case id, label, vendor, description, modes, params, price, tags, retired, notice, width, height, duration, options
        case `protocol`
        case upstreamModel = "upstream_model"
        case baseURL = "base_url"
        case apiKeyEnv = "api_key_env"
        case replacedBy = "replaced_by"
        case deadlineSeconds = "deadline_seconds"
        case typicalSeconds = "typical_seconds"
        case priceUSD = "price_usd"
    }

    public init(id: String, upstreamModel: String, label: String, vendor: String? = nil, description: String = "",
                protocol: UpstreamProtocolName, baseURL: String? = nil, apiKeyEnv: String? = nil,
                modes: [GenerationMode], params: [ParamSpec] = [], price: PriceRule,
                deadlineSeconds: Int = 1800, typicalSeconds: Int = 180, tags: [String] = [],
                retired: Bool = false, notice: String? = nil, replacedBy: [String] = [],
                width: Int? = nil, height: Int? = nil, duration: Int? = nil, options: [String: String] = [:]) {
        self.id = id; self.upstreamModel = upstreamModel; self.label = label; self.vendor = vendor
        self.description = description; self.protocol = `protocol`; self.baseURL = baseURL; self.apiKeyEnv = apiKeyEnv
        self.modes = modes; self.params = params; self.price = price; self.deadlineSeconds = deadlineSeconds
        self.typicalSeconds = typicalSeconds; self.tags = tags; self.retired = retired; self.notice = notice
        self.replacedBy = replacedBy; self.width = width; self.height = height; self.duration = duration; self.options = options
    }

    /// Reads current entries and the first release's (`price_usd`, fixed `width`/`height`/`duration`,
    /// no `protocol`): those are chat-stream models priced per call.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        upstreamModel = try c.decode(String.self, forKey: .upstreamModel)
        label = try c.decodeIfPresent(String.self, forKey: .label) ?? id
        vendor = try c.decodeIfPresent(String.self, forKey: .vendor)
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        `protocol` = try c.decodeIfPresent(UpstreamProtocolName.self, forKey: .protocol) ?? .chatStream
        baseURL = try c.decodeIfPresent(String.self, forKey: .baseURL)
        apiKeyEnv = try c.decodeIfPresent(String.self, forKey: .apiKeyEnv)
        modes = try c.decodeIfPresent([GenerationMode].self, forKey: .modes) ?? [.textToVideo, .imageToVideo]
        params = try c.decodeIfPresent([ParamSpec].self, forKey: .params) ?? []
        if let p = try c.decodeIfPresent(PriceRule.self, forKey: .price) {
            price = p
        } else if let usd = try c.decodeIfPresent(Double.self, forKey: .priceUSD) {
            price = .perCall(usd)
        } else {
            throw DecodingError.keyNotFound(CodingKeys.price, .init(codingPath: c.codingPath, debugDescription: "a model needs a price"))
        }
        deadlineSeconds = try c.decodeIfPresent(Int.self, forKey: .deadlineSeconds) ?? 1800
        typicalSeconds = try c.decodeIfPresent(Int.self, forKey: .typicalSeconds) ?? 180
        tags = try c.decodeIfPresent([String].self, forKey: .tags) ?? []
        retired = try c.decodeIfPresent(Bool.self, forKey: .retired) ?? false
        notice = try c.decodeIfPresent(String.self, forKey: .notice)
        replacedBy = try c.decodeIfPresent([String].self, forKey: .replacedBy) ?? []
        width = try c.decodeIfPresent(Int.self, forKey: .width)
        height = try c.decodeIfPresent(Int.self, forKey: .height)
        duration = try c.decodeIfPresent(Int.self, forKey: .duration)
        options = try c.decodeIfPresent([String: String].self, forKey: .options) ?? [:]
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id); try c.encode(upstreamModel, forKey: .upstreamModel)
        try c.encode(label, forKey: .label); try c.encodeIfPresent(vendor, forKey: .vendor)
        try c.encode(description, forKey: .description); try c.encode(`protocol`, forKey: .protocol)
        try c.encodeIfPresent(baseURL, forKey: .baseURL); try c.encodeIfPresent(apiKeyEnv, forKey: .apiKeyEnv)
        try c.encode(modes, forKey: .modes); try c.encode(params, forKey: .params); try c.encode(price, forKey: .price)
        try c.encode(deadlineSeconds, forKey: .deadlineSeconds); try c.encode(typicalSeconds, forKey: .typicalSeconds)
        try c.encode(tags, forKey: .tags); try c.encode(retired, forKey: .retired); try c.encode(notice, forKey: .notice)
        try c.encode(replacedBy, forKey: .replacedBy)
        try c.encode(width, forKey: .width); try c.encode(height, forKey: .height); try c.encode(duration, forKey: .duration)
        if !options.isEmpty { try c.encode(options, forKey: .options) }
    }

    public func param(_ name: String) -> ParamSpec? { params.first { $0.name == name } }

    /// Every parameter with its default, for `mode`.
    public func defaults(for mode: GenerationMode) -> [String: JSONScalar] {
        var out: [String: JSONScalar] = [:]
        for p in params where p.modes?.contains(mode) ?? true { out[p.name] = p.defaultValue }
        return out
    }

    /// Output seconds for these parameters.
    public func seconds(_ params: [String: JSONScalar]) -> Int {
        params["duration"]?.intValue.map(Int.init) ?? duration ?? 5
    }

    /// Output size for these parameters (fixed size first, then `size`, then resolution × ratio).
    public func frameSize(_ params: [String: JSONScalar]) -> FrameSize {
        if let width, let height { return FrameSize(width: width, height: height) }
        if let s = params["size"]?.stringValue, let f = FrameSize.parse(size: s) { return f }
        let resolution = params["resolution"]?.stringValue ?? "720p"
        return FrameSize.from(resolution: resolution, ratio: params["ratio"]?.stringValue)
            ?? FrameSize(width: 1280, height: 720)
    }

    /// The price reserved before submit and shown on the page.
    public func estimate(_ params: [String: JSONScalar]) -> Double {
        price.estimate(size: frameSize(params), seconds: seconds(params), resolution: params["resolution"]?.stringValue)
    }
}
