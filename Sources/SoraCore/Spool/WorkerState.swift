#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The worker's private record: what must survive a crash so a new worker resumes the job
/// without ever creating a second upstream task. Written with fsync before each step it guards.
public struct WorkerState: Codable, Sendable, Equatable {
    /// Where the create call stands.
    public enum Create: String, Codable, Sendable {
        /// Not sent.
        case none
        /// Written just before the create call is sent: a worker that finds this died mid-call.
        case sending
        /// The upstream answered with a task (or, for the chat stream, started streaming).
        case accepted
        /// The upstream's answer proves no task exists (4xx).
        case refused
        /// Sent, outcome unknown (timeout, cut, 5xx): never resent.
        case ambiguous
    }

    /// How many times a create was sent (more than one only for proven refusals such as 429).
    public var submissions: Int = 0
    public var create: Create = .none
    public var submittedAt: Date?
    public var upstreamTaskID: String?
    /// The result link (kept private: it may carry a signed query).
    public var upstreamLink: String?
    public var upstreamLinkExpiresAt: Date?
    /// True when the upstream did not say when the link expires (we assumed `SORA_LINK_TTL`).
    public var linkExpiryEstimated: Bool = true
    /// The link answered 403/404/410 or served a web page: retrying the transfer is pointless.
    public var linkDead: Bool = false
    /// Whether the result download needs the key (a gateway's `/content` endpoint on its own origin).
    public var linkNeedsAuth: Bool = false
    /// A still image offered by the upstream (last frame, thumbnail), stored beside the video.
    public var posterLink: String?
    public var posterNeedsAuth: Bool = false
    public var storedKey: String?
    public var usage: Usage?
    /// How many times a transfer was started (the reaper retries failed ones a few times).
    public var transferRounds: Int = 0
    /// When a retry asked to follow a task again after our deadline; the deadline restarts there.
    public var followAgainAt: Date?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case submissions, create, usage
        case submittedAt = "submitted_at"
        case upstreamTaskID = "upstream_task_id"
        case upstreamLink = "upstream_link"
        case upstreamLinkExpiresAt = "upstream_link_expires_at"
        case linkExpiryEstimated = "link_expiry_estimated"
        case linkDead = "link_dead"
        case linkNeedsAuth = "link_needs_auth"
        case posterLink = "poster_link"
        case posterNeedsAuth = "poster_needs_auth"
        case storedKey = "stored_key"
        case transferRounds = "transfer_rounds"
        case followAgainAt = "follow_again_at"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        submissions = try c.decodeIfPresent(Int.self, forKey: .submissions) ?? 0
        create = try c.decodeIfPresent(Create.self, forKey: .create) ?? (submissions > 0 ? .sending : .none)
        submittedAt = try c.decodeIfPresent(Date.self, forKey: .submittedAt)
        upstreamTaskID = try c.decodeIfPresent(String.self, forKey: .upstreamTaskID)
        upstreamLink = try c.decodeIfPresent(String.self, forKey: .upstreamLink)
        upstreamLinkExpiresAt = try c.decodeIfPresent(Date.self, forKey: .upstreamLinkExpiresAt)
        linkExpiryEstimated = try c.decodeIfPresent(Bool.self, forKey: .linkExpiryEstimated) ?? true
        linkDead = try c.decodeIfPresent(Bool.self, forKey: .linkDead) ?? false
        linkNeedsAuth = try c.decodeIfPresent(Bool.self, forKey: .linkNeedsAuth) ?? false
        posterLink = try c.decodeIfPresent(String.self, forKey: .posterLink)
        posterNeedsAuth = try c.decodeIfPresent(Bool.self, forKey: .posterNeedsAuth) ?? false
        storedKey = try c.decodeIfPresent(String.self, forKey: .storedKey)
        usage = try c.decodeIfPresent(Usage.self, forKey: .usage)
        transferRounds = try c.decodeIfPresent(Int.self, forKey: .transferRounds) ?? 0
        followAgainAt = try c.decodeIfPresent(Date.self, forKey: .followAgainAt)
    }

    /// Whether a transfer of the paid-for result could still work at `now`.
    public func linkUsable(at now: Date) -> Bool {
        guard upstreamLink != nil, !linkDead else { return false }
        return (upstreamLinkExpiresAt.map { $0 > now }) ?? true
    }
}
