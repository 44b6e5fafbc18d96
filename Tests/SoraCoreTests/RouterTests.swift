import Foundation
import Testing
@testable import SoraCore

/// The API's own rules: budget, queue limit, idempotency, cancel, retry, listing.
@Suite struct RouterTests {
    let clock = TestClock()

    func post(_ r: Router, _ path: String) -> APIResponse { r.handle(APIRequest(method: "POST", path: path)) }
    func get(_ r: Router, _ path: String, _ query: String = "") -> (Int, JSONValue?) {
        let a = r.handle(APIRequest(method: "GET", path: path, query: query))
        return (a.status, JSONValue.parse(a.body))
    }

    @Test func overBudgetWorkIsRefusedBeforeAnythingIsWritten() throws {
        let spool = try tempSpool(budget: 1)
        let router = makeRouter(testConfig(spool, ["SORA_DAILY_BUDGET_USD": "1"]), spool, clock: clock)
        let body = #"{"model":"wan-2-7-t2v","prompt":"a fox","params":{"duration":5}}"#  // 0.465 USD
        #expect(submit(router, body).status == 202)
        #expect(submit(router, body).status == 202)
        let third = submit(router, body)
        #expect(third.status == 402 && third.json?.firstString("error.code") == "budget_exceeded")
        #expect(third.json?.at("error.params.left_usd")?.number == 0.07 && third.json?.at("error.params.price_usd")?.number == 0.465)
        #expect(FileIO.list(spool.jobsDir).count == 2 && FileIO.list(spool.tmpDir).isEmpty)
        let (_, session) = get(router, "/api/session")
        #expect(session?.at("spend.left_usd")?.number == 0.07 && session?.at("spend.reserved_usd")?.number == 0.93)
    }

    @Test func aFullQueueAnswers503WithRetryAfter() throws {
        let spool = try tempSpool()
        let router = makeRouter(testConfig(spool, ["SORA_MAX_QUEUED": "1"]), spool)
        #expect(submit(router, #"{"model":"seedance-2-0","prompt":"a"}"#).status == 202)
        let r = router.handle(APIRequest(method: "POST", path: "/api/generate", contentType: "application/json",
                                         body: Array(#"{"model":"seedance-2-0","prompt":"b"}"#.utf8)))
        #expect(r.status == 503 && r.headers.contains { $0.0 == "Retry-After" })
        #expect(JSONValue.parse(r.body)?.firstString("error.code") == "queue_full")
    }

    @Test func aSubmitSpawnsNoWorkerWhileEverySlotIsHeld() throws {
        let spool = try tempSpool()
        let config = testConfig(spool, ["SORA_MAX_WORKERS": "2"])
        let launched = Launches()
        let router = Router(config: config, spool: spool, store: LocalStore(root: config.mediaDir, urlPrefix: "/media"),
                            launchWorker: launched.record)
        let workers = try [0, 1].map { try #require(FileLock.tryLock("\(spool.slotsDir)/\($0)")) }
        let waiting = try #require(submit(router, #"{"model":"seedance-2-0","prompt":"a"}"#).json?.firstString("task_id"))
        #expect(launched.ids.isEmpty && spool.queuedJobs() == [waiting])  // queued for a running worker to take
        workers[1].release()
        let next = try #require(submit(router, #"{"model":"seedance-2-0","prompt":"b"}"#).json?.firstString("task_id"))
        #expect(launched.ids == [next] && spool.queuedJobs() == [waiting, next])
        workers[0].release()
    }

    @Test func anIdempotencyKeyReusedWithAnotherBodyIs422() throws {
        let spool = try tempSpool()
        let router = makeRouter(testConfig(spool), spool)
        let first = submit(router, #"{"model":"seedance-2-0","prompt":"a"}"#, key: "k1")
        #expect(first.status == 202)
        let again = submit(router, #"{"model":"seedance-2-0","prompt":"a"}"#, key: "k1")
        #expect(again.status == 200 && again.json?.firstString("task_id") == first.json?.firstString("task_id"))
        let other = submit(router, #"{"model":"seedance-2-0","prompt":"b"}"#, key: "k1")
        #expect(other.status == 422 && other.json?.firstString("error.code") == "idempotency_key_reused")
        #expect(FileIO.list(spool.jobsDir).count == 1)
        #expect(spool.ledger.summary(day: Ledger.day(Date())).reservedUSD == first.json?.at("price_usd")?.number)
    }

    @Test func aLocallyQueuedJobIsCancelledAtOnceAndReleased() throws {
        let spool = try tempSpool()
        let router = makeRouter(testConfig(spool), spool)
        let id = try #require(submit(router, #"{"model":"seedance-2-0","prompt":"a"}"#).json?.firstString("task_id"))
        let r = post(router, "/api/jobs/\(id)/cancel")
        #expect(r.status == 200 && JSONValue.parse(r.body)?.firstString("status") == "cancelled")
        #expect(spool.queuedJobs().isEmpty && spool.ledger.summary(day: Ledger.day(Date())) == Ledger.Summary())
        let again = post(router, "/api/jobs/\(id)/cancel")
        #expect(again.status == 409 && JSONValue.parse(again.body)?.firstString("error.params.reason") == "finished")
    }

    @Test func listingCountsWhatMatchesAndSearchesIDs() throws {
        let spool = try tempSpool()
        let router = makeRouter(testConfig(spool), spool)
        var ids: [String] = []
        for p in ["red fox", "blue whale", "red panda"] {
            ids.append(try #require(submit(router, #"{"model":"seedance-2-0","prompt":"\#(p)"}"#).json?.firstString("task_id")))
            usleep(2000)
        }
        _ = post(router, "/api/jobs/\(ids[1])/cancel")
        #expect(get(router, "/api/jobs", "q=red").1?.at("total")?.number == 2)
        #expect(get(router, "/api/jobs", "status=cancelled").1?.at("total")?.number == 1)
        #expect(get(router, "/api/jobs", "q=\(ids[0].prefix(20))").1?.at("jobs.0.task_id")?.string == ids[0])
        let page = get(router, "/api/jobs", "limit=1").1
        #expect(page?.at("total")?.number == 3 && page?.firstString("next_before") == ids[2])
    }

    @Test func theUploadedFrameCanBeFetchedForEditAndReused() throws {
        let spool = try tempSpool()
        let router = makeRouter(testConfig(spool), spool)
        let uri = "data:image/png;base64," + Data(onePixelPNG).base64EncodedString()
        let id = try #require(submit(router, #"{"model":"seedance-2-0","prompt":"a","first_frame_base64":"\#(uri)"}"#).json?.firstString("task_id"))
        let img = router.handle(APIRequest(method: "GET", path: "/api/jobs/\(id)/image/first"))
        #expect(img.status == 200 && img.contentType == "image/png" && img.body == onePixelPNG)
        #expect(router.handle(APIRequest(method: "GET", path: "/api/jobs/\(id)/image/last")).status == 404)
        let again = submit(router, #"{"model":"seedance-2-0","prompt":"b","images_from":"\#(id)"}"#)
        #expect(again.status == 202 && again.json?.firstString("mode") == "image_to_video")
        let newID = try #require(again.json?.firstString("task_id"))
        #expect(FileIO.read(spool.jobDir(newID) + "/first.png") == onePixelPNG)
    }

    @Test func pathsThatAreNotJobIDsAreRefusedBeforeAnyFileAccess() throws {
        let spool = try tempSpool()
        let router = makeRouter(testConfig(spool), spool)
        for path in ["/api/status/../../etc/passwd", "/api/jobs/../x/cancel", "/api/jobs/..%2f/retry", "/api/jobs/x/y/image/first"] {
            let r = router.handle(APIRequest(method: path.hasSuffix("first") || path.contains("status") ? "GET" : "POST", path: path))
            #expect(r.status == 400, "\(path)")
        }
    }
}
