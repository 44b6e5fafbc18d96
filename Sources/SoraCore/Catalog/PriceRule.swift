#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// How a model is priced, and the estimate the server reserves and the page shows before submit
/// (docs/contract.md §2). Prices are USD; `source` and `asOf` say where a figure comes from.
public struct PriceRule: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// One price per generation.
        case perCall = "per_call"
        /// Per output second, by resolution (`*` applies to any).
        case perSecond = "per_second"
        /// Per output token (Seedance): tokens = width × height × (fps × seconds + 1) / 1024.
        case perToken = "per_token"
    }

    public var kind: Kind
    public var usd: Double?
    public var usdPerSecond: [String: Double]?
    public var usdPerMillionTokens: [String: Double]?
    public var fps: Int?
    public var source: String?
    public var asOf: String?

    enum CodingKeys: String, CodingKey {
        case kind, usd, fps, source
        case usdPerSecond = "usd_per_second"
        case usdPerMillionTokens = "usd_per_million_tokens"
        case asOf = "as_of"
    }

    public static func perCall(_ usd: Double, source: String? = nil, asOf: String? = nil) -> PriceRule {
        PriceRule(kind: .perCall, usd: usd, source: source, asOf: asOf)
    }

    public static func perSecond(_ rates: [String: Double], source: String? = nil, asOf: String? = nil) -> PriceRule {
        PriceRule(kind: .perSecond, usdPerSecond: rates, source: source, asOf: asOf)
    }

    public static func perToken(_ rates: [String: Double], fps: Int = 24, source: String? = nil, asOf: String? = nil) -> PriceRule {
        PriceRule(kind: .perToken, usdPerMillionTokens: rates, fps: fps, source: source, asOf: asOf)
    }

    /// Tokens a Seedance-style model bills for a clip. The reference gives w × h × fps × s / 1024
    /// as an approximation; its own samples (108,900 tokens for 1280×720, 5 s, 24 fps; 19,845 for
    /// 864×480, 2 s) match exactly when the frames are counted as fps × s + 1.
    public static func tokens(width: Int, height: Int, fps: Int, seconds: Double) -> Double {
        Double(width) * Double(height) * (Double(fps) * seconds + 1) / 1024
    }

    static func rate(_ table: [String: Double]?, _ resolution: String?) -> Double {
        guard let table else { return 0 }
        if let r = resolution, let v = table[r.lowercased()] { return v }
        return table["*"] ?? table.values.max() ?? 0
    }

    /// The estimate for a clip of `seconds` at `size`, before the upstream says what it billed.
    public func estimate(size: FrameSize, seconds: Int, resolution: String?) -> Double {
        switch kind {
        case .perCall:
            return Self.round(usd ?? 0)
        case .perSecond:
            return Self.round(Self.rate(usdPerSecond, resolution) * Double(seconds))
        case .perToken:
            let t = Self.tokens(width: size.width, height: size.height, fps: fps ?? 24, seconds: Double(seconds))
            return Self.round(t / 1_000_000 * Self.rate(usdPerMillionTokens, resolution))
        }
    }

    /// The final price from what the upstream reported it used; nil when the usage says nothing
    /// this rule can price (the estimate then stands).
    public func settle(usage: Usage, resolution: String?) -> Double? {
        switch kind {
        case .perCall:
            return Self.round(usd ?? 0)
        case .perSecond:
            guard let s = usage.seconds else { return nil }
            return Self.round(Self.rate(usdPerSecond, resolution) * s)
        case .perToken:
            guard let t = usage.tokens else { return nil }
            return Self.round(Double(t) / 1_000_000 * Self.rate(usdPerMillionTokens, resolution))
        }
    }

    /// Four decimals, as the page rounds.
    public static func round(_ usd: Double) -> Double { (usd * 10_000).rounded() / 10_000 }
}

/// What the upstream reported a finished task used.
public struct Usage: Codable, Sendable, Equatable {
    public var tokens: Int64?
    public var seconds: Double?
    public init(tokens: Int64? = nil, seconds: Double? = nil) { self.tokens = tokens; self.seconds = seconds }
}
