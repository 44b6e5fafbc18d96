import Foundation
import Testing
@testable import SoraCore

/// The worker's money decisions for task protocols, with a scripted transport and a real spool:
/// one create, the task id first, resume instead of resubmit, honest ends (issue 7 §2).
@Suite struct TaskRunnerTests {
    let clock = TestClock()
    let http = ScriptedTransport()
    let spool: Spool
    let config: Config

    init() throws {
        spool = try tempSpool()
        config = testConfig(spool)
    }

    static let arkTasks = "https://gw.example/seedance/api/v3/contents/generations/tasks"
    static let media = "https://media.example/v.mp4?X-Tos-Date=20991231T000000Z&X-Tos-Expires=86400&X-Tos-Signature=s"

    func newJob(_ body: String = #"{"model":"seedance-2-0","prompt":"a fox","params":{"duration":5}}"#) throws -> String {
        let r = submit(makeRouter(config, spool, clock: clock), body)
        #expect(r.status == 202)
        return try #require(r.json?.firstString("task_id"))
    }

    func run(_ id: String) { makeWorker(config, spool, http, clock).run(jobID: id) }
    func doc(_ id: String) -> StatusDocument { spool.readStatus(id)! }
    func creates(_ part: String = "/contents/generations/tasks") -> Int { http.requests("POST", part).count }

    func arkSucceeds(_ id: String = "cgt-1") {
        http.on("GET", "/tasks/\(id)", ScriptedTransport.json(200, #"{"id":"\#(id)","status":"queued"}"#),
                ScriptedTransport.json(200, #"{"id":"\#(id)","status":"running"}"#),
                ScriptedTransport.json(200, #"{"id":"\#(id)","status":"succeeded","resolution":"720p","ratio":"16:9","content":{"video_url":"\#(Self.media)"},"usage":{"total_tokens":108900}}"#))
        http.on("GET", "media.example", .answer(200, ["content-type": "video/mp4"], fakeMP4))
    }

    @Test func oneCreateAndTheTaskIDIsOnDiskBeforeTheFirstPoll() throws {
        let id = try newJob()
        http.on("POST", "/contents/generations/tasks", ScriptedTransport.json(200, #"{"id":"cgt-1"}"#))
        arkSucceeds()
        var stateAtFirstPoll: WorkerState?
        let spool = self.spool
        http.observe = { seen in
            if seen.method == "GET", stateAtFirstPoll == nil { stateAtFirstPoll = spool.readState(id) }
        }
        #expect(spool.readStatus(id)?.costState == StatusDocument.CostState.none)
        run(id)
        #expect(stateAtFirstPoll?.upstreamTaskID == "cgt-1" && stateAtFirstPoll?.create == .accepted)
        let d = doc(id)
        #expect(d.status == .succeeded && d.phase == .done && d.progress == 100)
        #expect(d.upstreamTaskID == "cgt-1" && d.costState == .settled && d.usage == Usage(tokens: 108_900))
        #expect(d.costUSD == PriceRule.round(0.1089 * 7.13))
        #expect(creates() == 1)
        let create = try #require(http.requests("POST", "/contents/generations/tasks").first)
        #expect(create.url == Self.arkTasks && create.authorization == "Bearer sk-test-secret")
        // The signed result URL never sees the key.
        #expect(http.requests("GET", "media.example").allSatisfy { $0.authorization == nil })
        #expect(spool.ledger.summary(day: Ledger.day(spool.readRequest(id)!.createdAt)).spentUSD == d.costUSD)
        #expect(FileIO.exists(config.mediaDir + "/" + (d.videoKey ?? "?")))
        #expect(clock.sleeps.allSatisfy { $0 == 5 })  // the first minute polls every 5 s
        // Nothing of the upstream's URL reaches the public document.
        let file = String(decoding: FileIO.read(spool.statusPath(id)) ?? [], as: UTF8.self)
        #expect(!file.contains("media.example") && !file.contains("sk-test"))
    }

    @Test func aRestartedWorkerFollowsTheSameTaskAndNeverCreatesAgain() throws {
        let id = try newJob()
        var state = spool.readState(id)
        state.create = .accepted; state.submissions = 1; state.upstreamTaskID = "cgt-9"; state.submittedAt = clock.now
        try spool.writeState(id, state)
        try spool.transition(id, to: .generating, now: clock.now) { $0.phase = .upstreamQueued }
        arkSucceeds("cgt-9")
        run(id)
        #expect(doc(id).status == .succeeded)
        #expect(creates() == 0)
    }

    @Test func aWorkerKilledInsideTheCreateFindsItsTaskInTheArkList() throws {
        let id = try newJob()
        var state = spool.readState(id)
        state.create = .sending; state.submissions = 1; state.submittedAt = clock.now
        try spool.writeState(id, state)
        let t = Int(clock.now.timeIntervalSince1970) + 1
        http.on("GET", "tasks?", ScriptedTransport.json(200, #"{"total":1,"items":[{"id":"cgt-found","model":"doubao-seedance-2-0-260128","status":"running","created_at":\#(t)}]}"#))
        arkSucceeds("cgt-found")
        run(id)
        #expect(creates() == 0)
        #expect(doc(id).status == .succeeded && doc(id).upstreamTaskID == "cgt-found")
    }

    @Test func aTimeoutAfterSendingIsAmbiguousAndNeverResent() throws {
        let id = try newJob()
        http.on("POST", "/contents/generations/tasks", .fail(28, "Operation timed out after 30000 milliseconds"))
        http.on("GET", "tasks?", ScriptedTransport.json(200, #"{"total":0,"items":[]}"#))
        run(id)
        let d = doc(id)
        #expect(d.status == .failed && d.error?.kind == .ambiguous && d.error?.code == "create_timeout")
        #expect(d.error?.params["upstream_task_search"] == "not_found")
        #expect(d.costState == .reserved)  // unknown whether billed: it stays counted
        #expect(creates() == 1 && !d.canRetry)
        run(id)  // a second worker (the reaper's) changes nothing
        #expect(creates() == 1)
    }

    @Test func withoutATaskListAnInterruptedCreateEndsAmbiguous() throws {
        let id = try newJob(#"{"model":"wan-2-7-t2v","prompt":"a fox"}"#)
        var state = spool.readState(id)
        state.create = .sending; state.submissions = 1
        try spool.writeState(id, state)
        run(id)
        #expect(doc(id).error?.kind == .ambiguous && doc(id).error?.code == "create_interrupted")
        #expect(http.seen.isEmpty)
    }

    @Test func anUntrustedCertificateEndsTheJobUnbilledBecauseNothingWasSent() throws {
        let id = try newJob()
        http.on("POST", "/contents/generations/tasks", .fail(60, "SSL certificate problem: self-signed certificate in certificate chain"))
        run(id)
        let d = doc(id)
        #expect(d.status == .failed && d.error?.kind == .config && d.error?.code == "tls_failed")
        #expect(d.costState == .released && d.costUSD == 0)
        #expect(spool.readState(id).create == .refused)
        // Not ambiguous: no task search, no second create.
        #expect(creates() == 1 && http.requests("GET", "tasks?").isEmpty)
    }

    @Test func aServerErrorAtCreateIsAmbiguous() throws {
        let id = try newJob(#"{"model":"wan-2-7-t2v","prompt":"a fox"}"#)
        http.on("POST", "video-synthesis", ScriptedTransport.json(500, #"{"code":"InternalError","message":"oops","request_id":"r"}"#))
        run(id)
        #expect(doc(id).error?.kind == .ambiguous && doc(id).error?.code == "create_5xx" && doc(id).error?.params["status"] == 500)
        #expect(creates("video-synthesis") == 1)
    }

    @Test func a429IsRetriedAfterItsRetryAfterBecauseItProvesNoTaskExists() throws {
        let id = try newJob()
        http.on("POST", "/contents/generations/tasks",
                ScriptedTransport.json(429, #"{"error":{"code":"RateLimitExceeded.EndpointRPMExceeded","message":"slow"}}"#, ["Retry-After": "7"]),
                ScriptedTransport.json(200, #"{"id":"cgt-1"}"#))
        arkSucceeds()
        run(id)
        #expect(creates() == 2 && clock.sleeps.first == 7)
        #expect(doc(id).status == .succeeded)
        #expect(spool.readState(id).submissions == 2)
    }

    @Test func rateLimitedUntilTheAttemptsRunOutIsReleased() throws {
        let id = try newJob()
        http.on("POST", "/contents/generations/tasks", ScriptedTransport.json(429, #"{"error":{"code":"QuotaExceeded","message":"quota"}}"#))
        run(id)
        let d = doc(id)
        #expect(d.error?.code == "rate_limited" && d.error?.params["attempts"] == 3 && creates() == 3)
        #expect(d.costState == .released && d.costUSD == 0)
        #expect(clock.sleeps == [2.5, 5])  // backoff without a Retry-After (SORA_RETRY_BASE_DELAY=1 here)
    }

    @Test func refusalsAndUnbilledFailuresReleaseTheMoney() throws {
        let a = try newJob()
        http.on("POST", "/contents/generations/tasks", ScriptedTransport.json(400, #"{"error":{"code":"InputTextSensitiveContentDetected","message":"sensitive"}}"#))
        run(a)
        #expect(doc(a).error?.kind == .moderation && doc(a).error?.code == "input" && doc(a).costState == .released)

        let b = try newJob(#"{"model":"wan-2-7-t2v","prompt":"a fox"}"#)
        http.on("POST", "video-synthesis", ScriptedTransport.json(200, #"{"output":{"task_id":"w-1","task_status":"PENDING"}}"#))
        http.on("GET", "/tasks/w-1", ScriptedTransport.json(200, #"{"output":{"task_id":"w-1","task_status":"RUNNING"}}"#),
                ScriptedTransport.json(200, #"{"output":{"task_id":"w-1","task_status":"FAILED","code":"IPInfringementSuspect","message":"ip"}}"#))
        run(b)
        #expect(doc(b).error?.kind == .moderation && doc(b).error?.code == "output" && doc(b).costState == .released)
        let day = Ledger.day(spool.readRequest(b)!.createdAt)
        #expect(spool.ledger.summary(day: day) == Ledger.Summary())
    }

    @Test func aFailedPollIsRetriedAndUnknownStatusesWaitForTheDeadline() throws {
        let id = try newJob()
        http.on("POST", "/contents/generations/tasks", ScriptedTransport.json(200, #"{"id":"cgt-1"}"#))
        http.on("GET", "/tasks/cgt-1", ScriptedTransport.json(503, #"{"error":{"code":"InternalServiceError"}}"#), .fail(56, "reset"),
                ScriptedTransport.json(200, #"{"id":"cgt-1","status":"rendering"}"#),
                ScriptedTransport.json(200, #"{"id":"cgt-1","status":"succeeded","content":{"video_url":"\#(Self.media)"}}"#))
        http.on("GET", "media.example", .answer(200, ["content-type": "video/mp4"], fakeMP4))
        run(id)
        #expect(doc(id).status == .succeeded && creates() == 1)
    }

    @Test func aTaskStuckInTheQueueEndsAtOurDeadlineAndCanBeFollowedAgain() throws {
        let id = try newJob(#"{"model":"seedance-2-0-fast","prompt":"a fox"}"#)
        http.on("POST", "/contents/generations/tasks", ScriptedTransport.json(200, #"{"id":"cgt-1"}"#))
        http.on("GET", "/tasks/cgt-1", ScriptedTransport.json(200, #"{"id":"cgt-1","status":"queued"}"#))
        run(id)
        let d = doc(id)
        #expect(d.error?.kind == .timeout && d.error?.code == "deadline" && d.error?.params["seconds"] == 1800)
        #expect(d.canRetry && d.costState == .reserved)
        #expect(clock.sleeps.prefix(12).allSatisfy { $0 == 5 } && clock.sleeps.dropFirst(13).allSatisfy { $0 <= 15 })
        #expect(clock.sleeps.contains(15))
        // Retry follows the same task: no second create.
        let r = makeRouter(config, spool, clock: clock).handle(APIRequest(method: "POST", path: "/api/jobs/\(id)/retry"))
        #expect(r.status == 202 && JSONValue.parse(r.body)?.firstString("status") == "generating")
        arkSucceeds()
        run(id)
        #expect(doc(id).status == .succeeded && creates() == 1)
    }

    @Test func succeededWithoutAURLIsAFailureNotStillRunning() throws {
        let id = try newJob()
        http.on("POST", "/contents/generations/tasks", ScriptedTransport.json(200, #"{"id":"cgt-1"}"#))
        http.on("GET", "/tasks/cgt-1", ScriptedTransport.json(200, #"{"id":"cgt-1","status":"succeeded","content":{}}"#))
        run(id)
        #expect(doc(id).error?.kind == .noLink && doc(id).error?.code == "succeeded_without_url")
        #expect(http.requests("GET", "/tasks/cgt-1").count == 1)
    }

    @Test func pollAfterHeaderIsHonouredAndTheContentEndpointGetsTheKey() throws {
        let id = try newJob(#"{"model":"seedance-2-0-videos","prompt":"a fox"}"#)
        http.on("POST", "/v1/videos", ScriptedTransport.json(200, #"{"id":"video_1","status":"queued"}"#))
        http.on("GET", "/videos/video_1", ScriptedTransport.json(200, #"{"id":"video_1","status":"in_progress","progress":30}"#, ["openai-poll-after-ms": "2500"]),
                ScriptedTransport.json(200, #"{"id":"video_1","status":"completed","progress":100}"#))
        http.on("GET", "/videos/video_1/content", .answer(200, ["content-type": "video/mp4"], fakeMP4))
        http.on("GET", "/videos/video_1/content?variant=thumbnail", .answer(200, ["content-type": "image/png"], onePixelPNG))
        run(id)
        let d = doc(id)
        #expect(d.status == .succeeded && clock.sleeps.first == 2.5)
        #expect(http.requests("GET", "/content").allSatisfy { $0.authorization == "Bearer sk-test-secret" && $0.url.hasPrefix("https://gw.example/v1/") })
        #expect(d.posterURL?.hasSuffix(".png") == true)
    }

    @Test func aCutDownloadResumesWithRange() throws {
        let id = try newJob()
        http.on("POST", "/contents/generations/tasks", ScriptedTransport.json(200, #"{"id":"cgt-1"}"#))
        http.on("GET", "/tasks/cgt-1", ScriptedTransport.json(200, #"{"id":"cgt-1","status":"succeeded","content":{"video_url":"\#(Self.media)"}}"#))
        let half = fakeMP4.count / 2
        http.on("GET", "media.example", .cut(200, ["content-type": "video/mp4"], Array(fakeMP4[..<half])),
                .answer(206, ["content-type": "video/mp4", "content-range": "bytes \(half)-\(fakeMP4.count - 1)/\(fakeMP4.count)"], Array(fakeMP4[half...])))
        run(id)
        let d = doc(id)
        #expect(d.status == .succeeded && d.sizeBytes == Int64(fakeMP4.count))
        let second = http.requests("GET", "media.example").last
        #expect(second?.headers.contains { $0.0 == "Range" && $0.1 == "bytes=\(half)-" } == true)
        #expect(FileIO.read(config.mediaDir + "/" + d.videoKey!) == fakeMP4)
    }

    @Test func aLinkThatAnswers403IsNotOfferedForRetry() throws {
        let id = try newJob()
        http.on("POST", "/contents/generations/tasks", ScriptedTransport.json(200, #"{"id":"cgt-1"}"#))
        http.on("GET", "/tasks/cgt-1", ScriptedTransport.json(200, #"{"id":"cgt-1","status":"succeeded","content":{"video_url":"\#(Self.media)"}}"#))
        http.on("GET", "media.example", .answer(403, ["content-type": "application/xml"], Array("<Error><Code>AccessDenied</Code></Error>".utf8)))
        run(id)
        let d = doc(id)
        #expect(d.error?.kind == .transfer && d.error?.code == "download_http" && d.error?.params["retryable"] == false)
        #expect(!d.canRetry && spool.readState(id).linkDead)
        #expect(http.requests("GET", "media.example").count == 1)  // a dead link is not hammered
        let r = makeRouter(config, spool, clock: clock).handle(APIRequest(method: "POST", path: "/api/jobs/\(id)/retry"))
        #expect(r.status == 409)
    }

    @Test func cancelWhileQueuedUpstreamAsksTheUpstreamAndReleasesTheMoney() throws {
        let id = try newJob()
        http.on("POST", "/contents/generations/tasks", ScriptedTransport.json(200, #"{"id":"cgt-1"}"#))
        http.on("DELETE", "/tasks/cgt-1", ScriptedTransport.json(200, "{}"))
        let router = makeRouter(config, spool, transport: http, clock: clock)
        http.on("GET", "/tasks/cgt-1", ScriptedTransport.json(200, #"{"id":"cgt-1","status":"queued"}"#),
                ScriptedTransport.json(200, #"{"id":"cgt-1","status":"cancelled"}"#))
        // The page cancels while the worker waits between polls (after the first, still queued).
        var cancelAnswer: Int?
        let worker = Worker(config: config, spool: spool, store: LocalStore(root: config.mediaDir, urlPrefix: "/media"), transport: http,
                            now: { self.clock.now }, sleep: { s in
                                self.clock.sleep(s)
                                if cancelAnswer == nil, self.doc(id).phase == .upstreamQueued {
                                    cancelAnswer = router.handle(APIRequest(method: "POST", path: "/api/jobs/\(id)/cancel")).status
                                }
                            })
        worker.run(jobID: id)
        #expect(cancelAnswer == 202)
        #expect(http.requests("DELETE", "/tasks/cgt-1").count == 1)
        let d = doc(id)
        #expect(d.status == .cancelled && d.costState == .released && !d.canCancel)
    }
}
