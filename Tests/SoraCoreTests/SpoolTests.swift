import Foundation
import Testing
@testable import SoraCore

@Suite struct SpoolTests {
    func tempSpool() throws -> Spool {
        let dir = NSTemporaryDirectory() + "spool-test-" + UUID().uuidString
        let s = Spool(root: dir)
        try s.prepare()
        return s
    }

    func job(_ id: String) -> (JobRequest, StatusDocument) {
        // Status files keep milliseconds; start from a whole millisecond so documents compare equal.
        let now = Date(timeIntervalSince1970: Double(Int64(Date().timeIntervalSince1970 * 1000)) / 1000)
        let req = JobRequest(taskID: id, model: "sora-v2-portrait", upstreamModel: "sora_video2", prompt: "p",
                             priceUSD: 0.15, createdAt: now)
        let doc = StatusDocument(seq: 1, taskID: id, status: .queued, progress: 0, stage: "", model: "sora-v2-portrait",
                                 upstreamModel: "sora_video2", mode: .textToVideo, duration: 10, width: 704, height: 1280,
                                 origPrompt: "p", actualPrompt: "p", statusURL: "/status/\(id).json", costUSD: 0,
                                 createdAt: now, updatedAt: now)
        return (req, doc)
    }

    @Test func createWritesStatusQueueAndRequestAtomically() throws {
        let s = try tempSpool()
        let id = JobID.make()
        let (req, doc) = job(id)
        guard case .created = try s.createJob(request: req, image: [1, 2, 3], imageExtension: "png", status: doc, idempotencyKey: nil) else {
            Issue.record("not created"); return
        }
        #expect(s.readStatus(id) == doc)
        #expect(s.readRequest(id)?.imageFile == "image.png")
        #expect(s.queuedJobs() == [id])
        #expect(FileIO.list(s.tmpDir).isEmpty)
        #expect(FileIO.list(s.statusDir).filter { $0.hasPrefix(".") }.isEmpty)
    }

    @Test func repeatedIdempotencyKeyReturnsTheFirstJob() throws {
        let s = try tempSpool()
        let a = JobID.make(), b = JobID.make()
        _ = try s.createJob(request: job(a).0, image: nil, imageExtension: nil, status: job(a).1, idempotencyKey: "k")
        let second = try s.createJob(request: job(b).0, image: nil, imageExtension: nil, status: job(b).1, idempotencyKey: "k")
        guard case .existing(let doc) = second else { Issue.record("expected existing"); return }
        #expect(doc.taskID == a)
        #expect(s.readStatus(b) == nil)
        #expect(!FileIO.exists(s.jobDir(b)))
    }

    @Test func updateBumpsSeqAndDeleteRemovesEverything() throws {
        let s = try tempSpool()
        let id = JobID.make()
        _ = try s.createJob(request: job(id).0, image: nil, imageExtension: nil, status: job(id).1, idempotencyKey: "x")
        let d = try s.updateStatus(id) { $0.progress = 40 }
        #expect(d.seq == 2 && s.readStatus(id)?.progress == 40)
        s.deleteJob(id)
        #expect(s.readStatus(id) == nil && !FileIO.exists(s.jobDir(id)) && FileIO.list(s.idemDir).isEmpty)
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
        let c = Config.load(environment: ["SORA_MAX_WORKERS": "zero"])
        #expect(c.problems.map(\.setting).contains("SORA_MAX_WORKERS"))
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
    @Test func spendIsSummedPerUTCDay() throws {
        let s = Spool(root: NSTemporaryDirectory() + "ledger-test-" + UUID().uuidString)
        try s.prepare()
        let day = Date(timeIntervalSince1970: 1_764_057_600)  // 2025-11-25T08:00Z
        s.recordSpend(jobID: "a", usd: 0.15, at: day)
        s.recordSpend(jobID: "b", usd: 0.25, at: day.addingTimeInterval(3600))
        s.recordSpend(jobID: "c", usd: 0.15, at: day.addingTimeInterval(86_400))
        #expect(abs(s.spend(on: day) - 0.40) < 1e-9)
        #expect(abs(s.spend(on: day.addingTimeInterval(86_400)) - 0.15) < 1e-9)
        #expect(s.spend(on: day.addingTimeInterval(-86_400)) == 0)
    }
}
