import Foundation

/// How a model can be driven: from a prompt alone, or from a prompt plus a first frame.
public enum GenerationMode: String, Codable, Sendable, CaseIterable {
    case textToVideo = "text_to_video"
    case imageToVideo = "image_to_video"
}

/// One entry of the model catalog, as `GET /api/models` shows it.
/// Orientation and duration are fixed by the upstream model name, never by request fields.
public struct VideoModel: Codable, Sendable, Equatable {
    /// Our id, used by the API and the page (`sora-v2-portrait`).
    public var id: String
    /// The upstream model name sent to the gateway (`sora_video2`).
    public var upstreamModel: String
    public var label: String
    public var description: String
    public var width: Int
    public var height: Int
    public var duration: Int
    public var priceUSD: Double
    public var tags: [String]
    public var modes: [GenerationMode]
    /// A retired model stays listed (the library still shows its videos) but cannot be generated.
    public var retired: Bool
    /// Shown beside a retired model, e.g. what to use instead.
    public var notice: String?

    enum CodingKeys: String, CodingKey {
        case id, label, description, width, height, duration, tags, modes, retired, notice
        case upstreamModel = "upstream_model"
        case priceUSD = "price_usd"
    }

    public init(id: String, upstreamModel: String, label: String, description: String, width: Int, height: Int,
                duration: Int, priceUSD: Double, tags: [String], modes: [GenerationMode] = GenerationMode.allCases,
                retired: Bool = false, notice: String? = nil) {
        self.id = id; self.upstreamModel = upstreamModel; self.label = label; self.description = description
        self.width = width; self.height = height; self.duration = duration; self.priceUSD = priceUSD
        self.tags = tags; self.modes = modes; self.retired = retired; self.notice = notice
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        upstreamModel = try c.decode(String.self, forKey: .upstreamModel)
        label = try c.decode(String.self, forKey: .label)
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        width = try c.decode(Int.self, forKey: .width)
        height = try c.decode(Int.self, forKey: .height)
        duration = try c.decode(Int.self, forKey: .duration)
        priceUSD = try c.decode(Double.self, forKey: .priceUSD)
        tags = try c.decodeIfPresent([String].self, forKey: .tags) ?? []
        modes = try c.decodeIfPresent([GenerationMode].self, forKey: .modes) ?? GenerationMode.allCases
        retired = try c.decodeIfPresent(Bool.self, forKey: .retired) ?? false
        notice = try c.decodeIfPresent(String.self, forKey: .notice)
    }
}

/// The list of models an operator offers. Compiled-in default; a JSON file named by
/// `SORA_CATALOG` replaces it, so models can be added or retired without a rebuild.
public struct ModelCatalog: Codable, Sendable, Equatable {
    public var models: [VideoModel]

    public init(models: [VideoModel]) { self.models = models }

    /// Looks up a model by our id.
    public func model(id: String) -> VideoModel? { models.first { $0.id == id } }

    /// Reads a catalog file: either `{"models":[…]}` or a bare array.
    public static func load(path: String) throws -> ModelCatalog {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let decoder = JSONDecoder()
        if let list = try? decoder.decode([VideoModel].self, from: data) { return ModelCatalog(models: list) }
        return try decoder.decode(ModelCatalog.self, from: data)
    }

    /// The four Sora 2 models of the plan (§1.3, §2.3, §5.1).
    public static let standard = ModelCatalog(models: [
        VideoModel(id: "sora-v2-portrait", upstreamModel: "sora_video2", label: "Sora 2 - 竖屏 10s",
                   description: "Sora 2 竖屏视频，704×1280，10秒，$0.15/次",
                   width: 704, height: 1280, duration: 10, priceUSD: 0.15, tags: ["Sora", "竖屏", "10s"]),
        VideoModel(id: "sora-v2-landscape", upstreamModel: "sora_video2-landscape", label: "Sora 2 - 横屏 10s",
                   description: "Sora 2 横屏视频，1280×704，10秒，$0.15/次",
                   width: 1280, height: 704, duration: 10, priceUSD: 0.15, tags: ["Sora", "横屏", "10s"]),
        VideoModel(id: "sora-v2-portrait-15s", upstreamModel: "sora_video2-15s", label: "Sora 2 - 竖屏 15s",
                   description: "Sora 2 竖屏视频，704×1280，15秒，$0.15/次",
                   width: 704, height: 1280, duration: 15, priceUSD: 0.15, tags: ["Sora", "竖屏", "15s"]),
        VideoModel(id: "sora-v2-landscape-15s", upstreamModel: "sora_video2-landscape-15s", label: "Sora 2 - 横屏 15s",
                   description: "Sora 2 横屏视频，1280×704，15秒，$0.15/次",
                   width: 1280, height: 704, duration: 15, priceUSD: 0.15, tags: ["Sora", "横屏", "15s"]),
    ])
}
