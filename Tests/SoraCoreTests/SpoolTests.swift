import Foundation
import Synchronization
import Testing
@testable import SoraCore

@Suite struct SpoolTests {
    func job(_ id: String) -> (JobRequest, StatusDocument) {
        // Status files keep milliseconds; start from a whole millisecond so documents compare equal.
        let now = Date(timeIntervalSince1970: Double(Int64(Date().timeIntervalSince1970 * 1000)) / 1000)
        let req = JobRequest(taskID: id, model: "seedance-2-0", upstreamModel: "doubao-seedance-2-0-260128", protocol: .arkTasks,
                             baseURL: "https://gw.example/seedance/api/v3", apiKeyEnv: "SORA_API_KEY", prompt: "p",
                             mode: .textToVideo, params: ["duration": 5], priceUSD: 0.77, deadlineSeconds: 1800, createdAt: now)
        let doc = StatusDocument(seq: 1, taskID: id, status: .queued, phase: .queued, model: "seedance-2-0",
                                 upstreamModel: "doubao-seedance-2-0-260128", protocol: .arkTasks, mode: .textToVideo,
                                 params: ["duration": 5], duration: 5, width: 1280, height: 720, origPrompt: "p",
                                 statusURL: "/status/\(id).json", priceUSD: 0.77, createdAt: now)
        return (req, doc)
    }

    @Test func createWritesStatusQueueRequestAndReserveAtomically() throws {
        let s = try tempSpool()
        let id = JobID.make()
        let (req, doc) = job(id)
        guard case .created(let made) = try s.createJob(request: req, frames: [.init(name: "first.png", bytes: [1, 2, 3])], status: doc,
                                                        idempotencyKey: nil, bodyHash: "h") else {
            Issue.record("not created"); return
        }
        #expect(made.queuePosition == 1)
        #expect(s.readStatus(id) == made)
        #expect(FileIO.read(s.jobDir(id) + "/first.png") == [1, 2, 3])
        #expect(FileIO.size(s.reservePath(id)) == Int64(Spool.reserveBytes))
        #expect(s.queuedJobs() == [id])
        #expect(FileIO.list(s.tmpDir).isEmpty)
        #expect(FileIO.list(s.statusDir).filter { $0.hasPrefix(".") }.isEmpty)
    }

    @Test func aSubmitNumbersPlacesUpTo100AndCallsTheRestFurtherBack() throws {
        let s = try tempSpool()
        for _ in 0..<99 { try s.enqueue(JobID.make()) }
        let hundredth = JobID.make()
        _ = try s.createJob(request: job(hundredth).0, frames: [], status: job(hundredth).1, idempotencyKey: nil, bodyHash: "a")
        #expect(s.readStatus(hundredth)?.queuePosition == 100)
        for _ in 0..<50 { try s.enqueue(JobID.make()) }
        let further = JobID.make()
        _ = try s.createJob(request: job(further).0, frames: [], status: job(further).1, idempotencyKey: nil, bodyHash: "b")
        let doc = try #require(s.readStatus(further))
        #expect(doc.queuePosition == 101)
        #expect(ProgressLine.stage(doc) == "Waiting for a worker (#100+)")
        #expect(s.queuedCount() == 151 && s.queuedCount(limit: 100) == 100)
    }

    @Test func aDirectoryIsCountedAcrossManyBatchesWithoutDotNames() throws {
        let s = try tempSpool()
        let dir = s.tmpDir + "/count"
        try FileIO.makeDirectory(dir)
        #expect(FileIO.count(dir) == 0 && FileIO.count(s.tmpDir + "/missing") == 0)
        for i in 0..<1_000 { try FileIO.touch("\(dir)/\(JobID.make())\(i)") }  // 48-56 bytes each: several batches
        for name in [".hidden", ".x.tmp"] { try FileIO.touch("\(dir)/\(name)") }
        #expect(FileIO.count(dir) == 1_000 && FileIO.count(dir) == FileIO.list(dir).count - 2)
        #expect(FileIO.count(dir, limit: 100) == 100 && FileIO.count(dir, limit: 999) == 999)
    }

    @Test func positionsAreRenumberedOnceWhateverTheNumberOfWorkersAsking() throws {
        let s = try tempSpool()
        let ids = (0..<4).map { _ in JobID.make() }.sorted()  // the queue goes by id: oldest first
        for id in ids { _ = try s.createJob(request: job(id).0, frames: [], status: job(id).1, idempotencyKey: nil, bodyHash: id) }
        #expect(ids.map { s.readStatus($0)?.queuePosition } == [1, 2, 3, 4])
        // Another process renumbering: this call only leaves it the note to go round again.
        let other = try #require(FileLock.tryLock(s.privateDir + "/renumber.lock"))
        s.dequeue(ids[0])
        s.renumberQueue(now: Date())
        #expect(s.readStatus(ids[1])?.queuePosition == 2 && FileIO.exists(s.privateDir + "/renumber.again"))
        other.release()
        s.dequeue(ids[1])
        s.renumberQueue(now: Date())
        #expect(ids.dropFirst(2).map { s.readStatus($0)?.queuePosition } == [1, 2])
        #expect(!FileIO.exists(s.privateDir + "/renumber.again"))
    }

    @Test func theNextWorkerWaitsForTheSubmitsToGoQuietButNotForever() throws {
        let s = try tempSpool()
        func elapsed(_ body: () -> Void) -> Double {
            let t = Date(); body(); return Date().timeIntervalSince(t)
        }
        func madeAJob(secondsAgo: Double) throws {
            let t = Date().timeIntervalSince1970 - secondsAgo
            var times = [timespec(tv_sec: Int(t), tv_nsec: Int(t.truncatingRemainder(dividingBy: 1) * 1e9))]
            times.append(times[0])
            #expect(utimensat(AT_FDCWD, s.jobsDir, &times, 0) == 0)
        }
        // Quiet for a minute: no wait.
        try madeAJob(secondsAgo: 60)
        #expect(elapsed { s.waitForQuietSubmits(quiet: 0.5, atMost: 5) } < 0.4)
        // A job made just now: the quiet time passes first.
        try madeAJob(secondsAgo: 0)
        #expect(elapsed { s.waitForQuietSubmits(quiet: 0.5, atMost: 5) } >= 0.45)
        // Jobs still being made when the longest wait is over: it ends anyway.
        try madeAJob(secondsAgo: -60)
        #expect((0.6..<4).contains(elapsed { s.waitForQuietSubmits(quiet: 0.5, atMost: 0.7) }))
    }

    @Test func idempotencyKeyReturnsTheFirstJobOrRefusesAnotherBody() throws {
        let s = try tempSpool()
        let a = JobID.make(), b = JobID.make(), c = JobID.make()
        _ = try s.createJob(request: job(a).0, frames: [], status: job(a).1, idempotencyKey: "k", bodyHash: "body-1")
        guard case .existing(let doc) = try s.createJob(request: job(b).0, frames: [], status: job(b).1, idempotencyKey: "k", bodyHash: "body-1") else {
            Issue.record("expected existing"); return
        }
        #expect(doc.taskID == a)
        guard case .keyReused(let first) = try s.createJob(request: job(c).0, frames: [], status: job(c).1, idempotencyKey: "k", bodyHash: "body-2") else {
            Issue.record("expected keyReused"); return
        }
        #expect(first.taskID == a)
        #expect(s.readStatus(b) == nil && s.readStatus(c) == nil)
        #expect(!FileIO.exists(s.jobDir(b)) && !FileIO.exists(s.jobDir(c)))
    }

    @Test func everyChangeGoesThroughOneCheckedTransition() throws {
        let s = try tempSpool()
        let id = JobID.make()
        _ = try s.createJob(request: job(id).0, frames: [], status: job(id).1, idempotencyKey: "x", bodyHash: "h")
        let t = Date()
        #expect(throws: IllegalTransition.self) { try s.transition(id, to: .succeeded, now: t) }
        let d = try s.transition(id, to: .generating, now: t) { $0.progress = 40; $0.phase = .generating }
        #expect(d.seq == 2 && d.queuePosition == nil)
        let lower = try s.transition(id, now: t) { $0.progress = 10 }
        #expect(lower.progress == 40)  // progress never goes back
        #expect(throws: IllegalTransition.self) { try s.transition(id, to: .queued, now: t) }
        #expect(throws: IllegalTransition.self) { try s.transition(id, now: t) { $0.status = .succeeded } }
        try s.transition(id, to: .transferring, now: t)
        let done = try s.transition(id, to: .succeeded, now: t)
        #expect(!done.canCancel && !FileIO.exists(s.reservePath(id)))
        #expect(throws: IllegalTransition.self) { try s.transition(id, now: t) { $0.progress = 100 } }
        #expect(throws: IllegalTransition.self) { try s.transition(id, to: .failed, now: t) }
        s.deleteJob(id)
        #expect(s.readStatus(id) == nil && !FileIO.exists(s.jobDir(id)) && FileIO.list(s.idemDir).isEmpty)
    }

    @Test func everyLegalMoveIsListedAndNothingLeavesSuccess() {
        for from in JobState.allCases {
            for to in JobState.allCases where from == .succeeded || from == .cancelled {
                #expect(!from.canMove(to: to), "\(from) → \(to)")
            }
        }
        #expect(JobState.failed.canMove(to: .transferring) && JobState.failed.canMove(to: .generating))
        #expect(!JobState.failed.canMove(to: .queued))
    }

    @Test func feedRecordsCreatedUpdatedAndDeleted() throws {
        let s = try tempSpool(budget: 10)
        let id = JobID.make()
        _ = try s.createJob(request: job(id).0, frames: [], status: job(id).1, idempotencyKey: nil, bodyHash: "h")
        try s.transition(id, to: .generating, now: Date()) { $0.phase = .generating }
        try s.transition(id, now: Date()) { $0.heartbeatAt = Date() }  // no event: nothing a reader shows changed
        try s.transition(id, to: .failed, now: Date()) { $0.phase = .failed }
        s.deleteJob(id)
        let name = try #require(Feed(spool: s).fileName())
        #expect(name.count == "feed-".count + 32 + ".json".count)
        let feed = try #require(JSONValue.parse(FileIO.read(s.statusDir + "/" + name) ?? []))
        guard case .array(let events)? = feed["events"] else { Issue.record("no events"); return }
        #expect(events.compactMap { $0["type"]?.string } == ["created", "updated", "updated", "deleted"])
        #expect(feed.at("spend.budget_usd")?.number == 10)
        #expect(Feed(spool: s).fileName() == name)  // the token is made once
        // A token put in its place (by hand, or a restored backup) is read again, not remembered.
        let other = String(repeating: "ab", count: 16)
        try FileIO.writeAtomically(Array(other.utf8), to: s.privateDir + "/feed-token", mode: 0o600)
        #expect(Feed(spool: s).fileName() == "feed-\(other).json")
    }

    @Test func feedKeepsItsLast200EventsAndSeqRisesFromAnEarlierLayout() throws {
        let (s, doc) = try spoolWithAJob()
        let feed = Feed(spool: s)
        for _ in 0..<(Feed.keep + 5) { feed.record(.updated, doc) }
        var (value, events) = try readFeed(s)
        #expect(events.count == Feed.keep)
        #expect(value["seq"]?.number == Double(Feed.keep + 6))  // + the job's own "created"
        #expect(events.last?["seq"]?.number == value["seq"]?.number)
        #expect(events.first?["seq"]?.number == Double(7))
        #expect(events.last?["status"]?.string == "queued" && events.last?["job"]?.string == doc.taskID)
        // A feed file written on one line (the layout before this one): its events carry on and
        // seq never goes back.
        let old = #"{"events":[{"job":"\#(doc.taskID)","seq":40,"status":"queued","type":"created"}],"seq":40,"spend":{"budget_usd":null,"left_usd":null,"reserved_usd":0,"today_usd":0},"updated_at":"2026-01-01T00:00:00.000Z"}"#
        try FileIO.writeAtomically(Array(old.utf8), to: s.statusDir + "/" + (try #require(feed.fileName())))
        feed.record(.deleted, doc)
        (value, events) = try readFeed(s)
        #expect(value["seq"]?.number == 41)
        #expect(events.compactMap { $0["seq"]?.number } == [40, 41])
        #expect(events.last?["type"]?.string == "deleted" && events.last?["status"] == nil)
        #expect(value.at("spend.reserved_usd")?.number != nil)
    }

    @Test func feedWritersAtOnceLoseNoEventAndNumberThemOnce() async throws {
        let (s, doc) = try spoolWithAJob()
        // Each task opens its own descriptors, so their flocks exclude each other as separate
        // processes' would.
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { for _ in 0..<30 { Feed(spool: s).record(.updated, doc) } } }
        }
        let (value, events) = try readFeed(s)
        #expect(value["seq"]?.number == 241)  // 1 created + 8 × 30 updated
        #expect(events.compactMap { $0["seq"]?.number } == (42...241).map(Double.init))
        #expect(FileIO.read(Feed(spool: s).pendingPath) == [])
    }

    @Test func anEventQueuedWhileTheFeedIsBeingWrittenIsWrittenByTheWriter() throws {
        let (s, doc) = try spoolWithAJob()
        var writer = Feed(spool: s)
        let once = Mutex(false)
        // Another writer's event arrives after this one's write, before its unlock: it finds the
        // lock taken and leaves its event queued, and nothing else will come to write it.
        writer.beforeUnlock = { if once.withLock({ first in defer { first = true }; return !first }) { Feed(spool: s).record(.deleted, doc) } }
        writer.record(.updated, doc)
        let (_, events) = try readFeed(s)
        #expect(events.compactMap { $0["type"]?.string } == ["created", "updated", "deleted"])
    }

    /// A spool holding one queued job, and that job's status document.
    private func spoolWithAJob() throws -> (Spool, StatusDocument) {
        let s = try tempSpool()
        let id = JobID.make()
        _ = try s.createJob(request: job(id).0, frames: [], status: job(id).1, idempotencyKey: nil, bodyHash: "h")
        return (s, try #require(s.readStatus(id)))
    }

    /// The feed file as written, and its events.
    private func readFeed(_ s: Spool) throws -> (JSONValue, [JSONValue]) {
        let name = try #require(Feed(spool: s).fileName())
        let value = try #require(JSONValue.parse(FileIO.read(s.statusDir + "/" + name) ?? []))
        guard case .array(let events)? = value["events"] else { Issue.record("no events"); return (value, []) }
        return (value, events)
    }

    @Test func lockIsExclusiveAndReleasedOnDrop() throws {
        let s = try tempSpool()
        let path = s.slotsDir + "/0"
        let a = FileLock.tryLock(path)
        #expect(a != nil)
        #expect(FileLock.isHeld(path))
        a?.release()
        #expect(!FileLock.isHeld(path))
    }

    @Test func envFileParsing() {
        let env = Config.parseEnvFile("# c\nexport SORA_API_KEY='sk-1'\nSORA_BASE_URL = \"http://x/v1\"\n\nBAD\n")
        #expect(env == ["SORA_API_KEY": "sk-1", "SORA_BASE_URL": "http://x/v1"])
        let c = Config.load(environment: ["SORA_MAX_WORKERS": "zero", "SORA_DAILY_BUDGET_USD": "lots"])
        #expect(c.problems.map(\.setting).contains("SORA_MAX_WORKERS"))
        #expect(c.problems.map(\.setting).contains("SORA_DAILY_BUDGET_USD"))
        #expect(c.problems.map(\.setting).contains("SORA_API_KEY"))
        #expect(c.baseURL == "https://api.apiyi.com/v1")
    }
}

@Suite struct ISODateTests {
    @Test func roundTripsWithMillisecondsAndMatchesFoundation() {
        let d = Date(timeIntervalSince1970: 1_764_077_953.123)
        #expect(SpoolJSON.isoString(d) == "2025-11-25T13:39:13.123Z")
        #expect(SpoolJSON.parseISO("2025-11-25T13:39:13.123Z") == d)
        #expect(SpoolJSON.parseISO("2025-11-25T13:39:13Z") == Date(timeIntervalSince1970: 1_764_077_953))
        let f = ISO8601DateFormatter()
        #expect(SpoolJSON.parseISO("2000-02-29T23:59:59Z") == f.date(from: "2000-02-29T23:59:59Z"))
        #expect(SpoolJSON.parseISO("2025-13-01T00:00:00Z") == nil)
        #expect(SpoolJSON.parseISO("2025-11-25 13:39:13Z") == nil)
        #expect(SpoolJSON.parseISO("2025-11-25T13:39:13+08:00") == nil)
    }
}

@Suite struct LedgerTests {
    @Test func holdsChargesSettlementsAndReleasesAddUpPerDay() throws {
        let s = try tempSpool()
        let l = s.ledger
        #expect(try l.hold(job: "a", usd: 0.5, day: "2026-12-01", budget: nil) == .held)
        #expect(try l.hold(job: "b", usd: 0.25, day: "2026-12-01", budget: nil) == .held)
        #expect(l.summary(day: "2026-12-01") == Ledger.Summary(spentUSD: 0, reservedUSD: 0.75))
        try l.record(job: "a", op: .charge, usd: 0.5, day: "2026-12-01")
        try l.record(job: "a", op: .settle, usd: 0.4, day: "2026-12-01")
        try l.record(job: "b", op: .release, usd: 0, day: "2026-12-01")
        #expect(l.summary(day: "2026-12-01") == Ledger.Summary(spentUSD: 0.4, reservedUSD: 0))
        #expect(l.summary(day: "2026-12-02") == Ledger.Summary())
    }

    @Test func theBudgetCountsHeldMoneyAndSaysWhatIsLeft() throws {
        let l = try tempSpool().ledger
        #expect(try l.hold(job: "a", usd: 0.6, day: "d", budget: 1) == .held)
        #expect(try l.hold(job: "b", usd: 0.6, day: "d", budget: 1) == .overBudget(leftUSD: 0.4))
        try l.record(job: "a", op: .release, usd: 0, day: "d")
        #expect(try l.hold(job: "b", usd: 0.6, day: "d", budget: 1) == .held)
    }

    @Test func firstReleaseLinesCountAsCharges() throws {
        let s = try tempSpool()
        try "x 0.15\ny 0.25\n".write(toFile: s.ledger.dir + "/2025-11-25", atomically: true, encoding: .utf8)
        #expect(s.ledger.summary(day: "2025-11-25").spentUSD == 0.4)
    }
    @Test func aSummaryFollowsLinesOtherProcessesAppendAndAReplacedFile() throws {
        let s = try tempSpool()
        let path = s.ledger.dir + "/d"
        #expect(try s.ledger.hold(job: "a", usd: 0.3, day: "d", budget: nil) == .held)
        #expect(s.ledger.summary(day: "d") == Ledger.Summary(spentUSD: 0, reservedUSD: 0.3))
        // Another process's lines, one of them not yet complete: only whole lines count.
        let fd = open(path, O_WRONLY | O_APPEND)
        _ = "a charge 0.3\nb hold 0.1\nc ho".withCString { write(fd, $0, strlen($0)) }
        #expect(s.ledger.summary(day: "d") == Ledger.Summary(spentUSD: 0.3, reservedUSD: 0.1))
        _ = "ld 0.2\na settle 0.25\n".withCString { write(fd, $0, strlen($0)) }
        close(fd)
        #expect(s.ledger.summary(day: "d") == Ledger.Summary(spentUSD: 0.25, reservedUSD: 0.3))
        // A restored or rewritten file is read again from its start.
        try "z 0.05\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(s.ledger.summary(day: "d") == Ledger.Summary(spentUSD: 0.05, reservedUSD: 0))
        // Many settlements of one job never drift the sum.
        for i in 0..<200 { try s.ledger.record(job: "y", op: .settle, usd: Double(i % 7) / 10 + 0.0001, day: "d") }
        #expect(s.ledger.summary(day: "d") == Ledger.Summary(spentUSD: 0.3501, reservedUSD: 0))
    }
}

@Suite struct ScrubTests {
    @Test func noKeyTokenOrURLSurvives() {
        let t = Scrub.text("key sk-abcDEF123 Bearer xyz https://h.example/a/b.mp4?Signature=zz and (http://x.example:8080/p) fine")
        #expect(!t.contains("abcDEF") && !t.contains("xyz") && !t.contains("/a/b.mp4") && !t.contains("Signature"))
        #expect(t.contains("<url h.example>") && t.contains("<url x.example:8080>") && t.contains("sk-***"))
    }

    @Test func signedLinksSayWhenTheyExpire() {
        #expect(LinkExpiry.from(url: "https://b.tos.example/v.mp4?X-Tos-Date=20250331T095113Z&X-Tos-Expires=86400&X-Tos-Signature=s")
                == SpoolJSON.parseISO("2025-04-01T09:51:13Z"))
        #expect(LinkExpiry.from(url: "https://r.oss.example/v.mp4?Expires=1760266939&OSSAccessKeyId=a&Signature=b")
                == Date(timeIntervalSince1970: 1_760_266_939))
        #expect(LinkExpiry.from(url: "https://x.example/v.mp4") == nil)
    }
}

@Suite struct SettingsTests {
    @Test func secretsNeverPrint() {
        let s = Secret("sk-live-123")
        #expect("\(s)" == "***" && String(reflecting: s) == "Secret(***)" && s.reveal() == "sk-live-123")
        var dumped = ""
        dump(s, to: &dumped)
        #expect(!dumped.contains("sk-live"))
        let c = Config.load(environment: ["SORA_API_KEY": "sk-live-123", "OSS_ACCESS_KEY_SECRET": "oss-secret"])
        #expect(!"\(c.apiKey)".contains("sk-live"))
    }

    @Test func theFileWinsAndProblemsNameTheirSetting() throws {
        let path = NSTemporaryDirectory() + "sora-\(UUID().uuidString).env"
        try "SORA_MAX_WORKERS=7\nSORA_API_KEY=sk-file\nSTORAGE=s3\n".write(toFile: path, atomically: true, encoding: .utf8)
        let c = Config.load(environment: ["SORA_CONFIG": path, "SORA_MAX_WORKERS": "2", "SORA_POLL_INTERVAL": "-1", "SORA_API_KEY": "sk-env"])
        #expect(c.maxWorkers == 7 && c.apiKey.reveal() == "sk-file")
        #expect(c.environmentSecrets.isEmpty)  // the key came from the file: workers read it there
        #expect(c.problems.contains { $0.setting == "SORA_POLL_INTERVAL" })
        #expect(c.problems.contains { $0.setting == "S3_BUCKET" } && c.storage == nil)
        #expect(!c.problems.contains { $0.message.contains("sk-") })
        let envOnly = Config.load(environment: ["SORA_API_KEY": "sk-env", "ARK_API_KEY": "ark", "SORA_SPOOL_DIR": "/x"])
        #expect(envOnly.environmentSecrets == ["SORA_API_KEY": "sk-env", "ARK_API_KEY": "ark"])
    }
}
