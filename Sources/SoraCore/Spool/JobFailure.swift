/// Why a job failed (docs/contract.md §5); the page explains each kind and code.
public enum FailureKind: String, Codable, Sendable {
    case moderation, streamCut = "stream_cut", upstream, timeout, noLink = "no_link"
    case transfer, config, interrupted, ambiguous
}

/// A failure as the status document carries it: a kind, a code and parameters the page turns
/// into words, and an English technical `detail` (scrubbed of keys, tokens and URLs).
public struct JobFailure: Codable, Sendable, Equatable, Error {
    public var kind: FailureKind
    public var code: String
    public var params: [String: JSONScalar]
    public var detail: String?

    public init(_ kind: FailureKind, _ code: String, _ params: [String: JSONScalar] = [:], detail: String? = nil) {
        self.kind = kind; self.code = code; self.params = params; self.detail = detail.map(Scrub.text)
    }

    enum CodingKeys: String, CodingKey { case kind, code, params, detail }

    /// Also reads the first release's documents (`{kind, message, detail}`, no code).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(FailureKind.self, forKey: .kind)
        code = try c.decodeIfPresent(String.self, forKey: .code) ?? "legacy"
        params = try c.decodeIfPresent([String: JSONScalar].self, forKey: .params) ?? [:]
        detail = try c.decodeIfPresent(String.self, forKey: .detail)
    }
}

extension JobFailure {
    /// A create that never left this machine (`HTTPOutcome.neverSent`): nothing was billed.
    /// A refused certificate is the administrator's to look at (a private CA goes in
    /// `SORA_CA_FILE`), hence `config`, not the provider's error.
    public static func notSent(_ outcome: HTTPOutcome) -> JobFailure {
        outcome.tlsFailed ? JobFailure(.config, "tls_failed", [:], detail: outcome.errorMessage)
            : JobFailure(.upstream, "unreachable", [:], detail: outcome.errorMessage)
    }
}
