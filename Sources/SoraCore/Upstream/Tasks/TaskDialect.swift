#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP answer of a task API, whole (these bodies are small).
public struct HTTPAnswer: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]
    public init(status: Int, headers: [String: String] = [:], body: [UInt8]) {
        self.status = status; self.headers = headers; self.body = body
    }
    public var json: JSONValue? { JSONValue.parse(body) }
}

/// What the create call's answer proves.
public enum CreateAnswer: Sendable, Equatable {
    /// A task exists upstream.
    case accepted(taskID: String)
    /// No task exists (4xx). `retry` is set where sending again may succeed (429).
    case refused(JobFailure, retry: RetryHint?)
    /// A task may or may not exist (5xx, or an answer we can't read).
    case unknown(JobFailure)
}

/// A refusal that invites a later retry, with the upstream's `Retry-After` if it sent one.
public struct RetryHint: Sendable, Equatable {
    public var after: Double?
    public init(after: Double?) { self.after = after }
}

/// Where a task stands after one poll.
public enum PollAnswer: Sendable, Equatable {
    case running(TaskProgress)
    case succeeded(TaskResult)
    /// A terminal failure; `billed` is false where the vendor does not charge failed tasks.
    case failed(JobFailure, billed: Bool)
    case cancelled
    /// A status we don't know: not terminal until our own deadline.
    case unrecognized(status: String)
    /// The poll itself failed (5xx, network); the task is still there.
    case transient(String, retryAfter: Double?)
    /// The upstream says it does not know the task (a few in a row mean it is gone).
    case notFound(String)
}

public struct TaskProgress: Sendable, Equatable {
    public var phase: JobPhase
    public var progress: Double?
    /// The upstream's raw status or progress text, for details.
    public var stage: String
    public init(phase: JobPhase, progress: Double? = nil, stage: String) { self.phase = phase; self.progress = progress; self.stage = stage }
}

public struct TaskResult: Sendable, Equatable {
    /// The video URL; nil means "succeeded without a result" (a failure, not "still running").
    public var videoURL: String?
    /// True when the download needs our key (a gateway's own content endpoint).
    public var videoNeedsAuth: Bool
    public var posterURL: String?
    public var posterNeedsAuth: Bool
    public var expiresAt: Date?
    public var usage: Usage?
    public var actualPrompt: String?
    public var size: FrameSize?

    public init(videoURL: String?, videoNeedsAuth: Bool = false, posterURL: String? = nil, posterNeedsAuth: Bool = false,
                expiresAt: Date? = nil, usage: Usage? = nil, actualPrompt: String? = nil, size: FrameSize? = nil) {
        self.videoURL = videoURL; self.videoNeedsAuth = videoNeedsAuth; self.posterURL = posterURL
        self.posterNeedsAuth = posterNeedsAuth; self.expiresAt = expiresAt; self.usage = usage
        self.actualPrompt = actualPrompt; self.size = size
    }
}

/// The answer of a cancel request.
public enum CancelAnswer: Sendable, Equatable {
    case cancelled
    /// The upstream refused (the task is running or finished).
    case refused(status: Int, detail: String)
    case failed(String)
}

/// The answer of a search for a task whose create answer was lost.
public enum SearchAnswer: Sendable, Equatable {
    case found(taskID: String)
    case notFound
    case unavailable(String)
}

/// One asynchronous task dialect: how to build its requests and read its answers. The control
/// flow (submit once, persist the id, poll with backoff, deadline) is `TaskRunner`'s, shared by
/// all dialects: they differ in data, not in control flow.
public protocol TaskDialect: Sendable {
    func createRequest(_ job: UpstreamJob) throws(UpstreamInputError) -> HTTPRequest
    func parseCreate(_ answer: HTTPAnswer) -> CreateAnswer
    func pollRequest(taskID: String, job: UpstreamJob) -> HTTPRequest
    func parsePoll(_ answer: HTTPAnswer, job: UpstreamJob, taskID: String) -> PollAnswer
    /// nil: the dialect can't cancel.
    func cancelRequest(taskID: String, job: UpstreamJob) -> HTTPRequest?
    func parseCancel(_ answer: HTTPAnswer) -> CancelAnswer
    /// nil: the dialect has no way to look for a task (only Ark lists tasks).
    func searchRequest(job: UpstreamJob, since: Date) -> HTTPRequest?
    func parseSearch(_ answer: HTTPAnswer, job: UpstreamJob, since: Date, exclude: Set<String>) -> SearchAnswer
}

extension TaskDialect {
    public func cancelRequest(taskID: String, job: UpstreamJob) -> HTTPRequest? { nil }
    public func parseCancel(_ answer: HTTPAnswer) -> CancelAnswer { .failed("cancel is not supported") }
    public func searchRequest(job: UpstreamJob, since: Date) -> HTTPRequest? { nil }
    public func parseSearch(_ answer: HTTPAnswer, job: UpstreamJob, since: Date, exclude: Set<String>) -> SearchAnswer {
        .unavailable("this protocol has no task list")
    }
}

/// The dialect for a protocol name (nil for the chat stream, which is not task-based).
public func taskDialect(for name: UpstreamProtocolName) -> TaskDialect? {
    switch name {
    case .chatStream: nil
    case .arkTasks: ArkTasks()
    case .dashscopeTasks: DashScopeTasks()
    case .openaiVideos: OpenAIVideos()
    }
}
